import { afterAll, expect, test } from 'vitest';
import {
  type Cluster,
  Emitter,
  json,
  memoryStorage,
  Processor,
  type Storage,
  type Store,
  View,
} from '../src/index.ts';
import { committed, eventually, rawAdmin, testCluster, testLogger, unique } from './support/kafka.ts';
import {
  type BlockEvent,
  type Counters,
  type Message,
  messagingGroups,
  reference,
  scenario,
  type WordTranslation,
} from './support/messaging.ts';

/**
 * Issue 4, test 6: part 1's port of Goka's messaging example, now on Kafka with 3 partitions.
 * Like the tester, the test sends one event at a time and waits until the whole graph has
 * settled, so the outcome is deterministic and must equal the sequential reference.
 */
const PARTITIONS = 3;
const cluster = testCluster();
const admin = rawAdmin();
const closers: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await admin.disconnect().catch(() => undefined);
  await cluster.close();
});

/**
 * Storage that remembers each store's checkpoint: how far the processor's replicas of other
 * groups' tables (the filter's join and lookup) have read, which the committed offsets of the
 * consumer groups do not tell.
 */
function checkpointingStorage(checkpoints: Map<string, number>): Storage {
  const inner = memoryStorage();
  return {
    description: 'checkpointing memory',
    async open(topic, partition): Promise<Store> {
      const store = await inner.open(topic, partition);
      const id = `${topic}/${partition}`;
      return Object.assign(Object.create(store) as Store, {
        write: async (ops: Parameters<Store['write']>[0], offset: number) => {
          await store.write(ops, offset);
          checkpoints.set(id, offset);
        },
      });
    },
  };
}

/** Every group committed everything it consumes and every replica read all of its table. */
async function settled(
  c: Cluster,
  consumed: readonly { group: string; topics: readonly string[] }[],
  replicated: readonly string[],
  checkpoints: ReadonlyMap<string, number>,
): Promise<boolean> {
  for (const { group, topics } of consumed) {
    for (const topic of topics) {
      const [high, done] = await Promise.all([c.offsets(topic), committed(admin, group, topic)]);
      if (!high.every((o) => o.high === 0 || (done.get(o.partition) ?? -1) >= o.high)) return false;
    }
  }
  for (const table of replicated) {
    for (const o of await c.offsets(table)) {
      if (o.high > 0 && (checkpoints.get(`${table}/${o.partition}`) ?? 0) < o.high) return false;
    }
  }
  return true;
}

test("Goka's messaging example on Kafka (3 partitions) gives the sequential reference's result", async () => {
  await admin.connect();
  const g = messagingGroups(`${unique('msg')}-`);
  await cluster.ensureTopics(Object.values(g.topics).map((name) => ({ name, partitions: PARTITIONS })));
  const checkpoints = new Map<string, number>();
  const start = async (group: (typeof g)[keyof Omit<typeof g, 'topics'>], storage?: Storage) => {
    const p = new Processor(group, { cluster, storage: storage ?? memoryStorage(), logger: testLogger() });
    closers.push(() => p.stop());
    await p.start();
    return p;
  };
  // Tables first: the filter joins and looks them up.
  await start(g.blocker);
  await start(g.translator);
  await start(g.filter, checkpointingStorage(checkpoints));
  await start(g.detector);
  await start(g.collector);
  const consumed = [
    { group: g.blocker.name, topics: [g.topics.block] },
    { group: g.translator.name, topics: [g.topics.translate] },
    { group: g.filter.name, topics: [g.topics.sent] },
    { group: g.detector.name, topics: [g.topics.sent, g.detector.loopTopic] },
    { group: g.collector.name, topics: [g.topics.received] },
  ];
  const replicated = [g.blocker.table, g.translator.table];

  const sent = new Emitter({ cluster, topic: g.topics.sent, codec: json<Message>() });
  const block = new Emitter({ cluster, topic: g.topics.block, codec: json<BlockEvent>() });
  const translate = new Emitter({ cluster, topic: g.topics.translate, codec: json<WordTranslation>() });
  closers.push(
    () => sent.close(),
    () => block.close(),
    () => translate.close(),
  );

  const events = scenario();
  const started = Date.now();
  for (const e of events) {
    if (e.kind === 'message') await sent.emit(e.message.from, e.message);
    else if (e.kind === 'block') await block.emit(e.user, e.unblock ? { unblock: true } : {});
    else await translate.emit(e.word, { word: e.word, translation: e.translation });
    await eventually(() => settled(cluster, consumed, replicated, checkpoints), {
      timeoutMs: 30_000,
      intervalMs: 5,
      what: `the graph to settle after ${JSON.stringify(e)}`,
    });
  }
  console.log(`GOKA_MESSAGING_TEST ${JSON.stringify({ events: events.length, ms: Date.now() - started })}`);

  const read = async <T>(table: string) => {
    const view = new View<T>({ cluster, table, codec: json<T>(), logger: testLogger() });
    closers.push(() => view.stop());
    await view.start();
    return view;
  };
  const detector = await read<Counters>(g.detector.table);
  const blocker = await read<{ blocked: boolean }>(g.blocker.table);
  const collector = await read<Message[]>(g.collector.table);
  const expected = reference(events);
  for (const [user, counters] of expected.counters) expect(await detector.get(user), user).toEqual(counters);
  for (const [user, blocked] of expected.blocked) {
    expect((await blocker.get(user))?.blocked ?? false, user).toBe(blocked);
  }
  for (const [user, inbox] of expected.inboxes) expect(await collector.get(user), user).toEqual(inbox);
  expect(expected.blocked.get('spammer')).toBe(true);
  expect(expected.blocked.get('dan')).toBe(false);
});
