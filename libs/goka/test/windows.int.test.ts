import { afterAll, expect, test } from 'vitest';
import {
  type Cluster,
  defineGroup,
  type Group,
  input,
  json,
  output,
  Processor,
  partitionFor,
  type SessionRow,
  sessionTable,
  sessionWindows,
  tumbling,
  type WindowRow,
  windowedTable,
} from '../src/index.ts';
import { eventually, readTable, readTopic, testCluster, testLogger, unique } from './support/kafka.ts';

/**
 * A windowed count and a session count on the real broker, exactly-once, with a restart in the
 * middle: every window and session closes once (its close is committed with the batch that
 * closed it, and the closed mark in the row keeps the restarted member, whose stream time starts
 * over, from closing it again).
 */
const clusters: Cluster[] = [];
const processors: Processor[] = [];

afterAll(async () => {
  await Promise.allSettled(processors.map((p) => p.stop()));
  await Promise.allSettled(clusters.map((c) => c.close()));
});

/** Two topics on the broker: the input (2 partitions) and where closes are emitted (1). */
async function topics(input: string, closed: string): Promise<Cluster> {
  const base = testCluster();
  clusters.push(base);
  await base.ensureTopics([
    { name: input, partitions: 2 },
    { name: closed, partitions: 1 },
  ]);
  return base;
}

/** An exactly-once member on a cluster of its own, as a separate process would have. */
function eosMember<V>(group: Group<V>): Processor<V> {
  const cluster = testCluster();
  clusters.push(cluster);
  const p = new Processor(group, { cluster, logger: testLogger(), guarantee: 'exactly-once' });
  processors.push(p as Processor);
  return p;
}

/** Sends one record per key, each on the partition an emitter would choose, all at `at`. */
function sender(base: Cluster, topic: string, keys: readonly string[]) {
  const producer = base.producer();
  return (at: number) =>
    producer.send(
      keys.map((key) => ({
        topic,
        partition: partitionFor(key, 2),
        key: Buffer.from(key),
        value: Buffer.from(JSON.stringify('m')),
        timestamp: at,
      })),
    );
}

/** What was emitted on `topic`, as [key, decoded value] in order. */
const emitted = async (base: Cluster, topic: string) =>
  (await readTopic(base, topic)).map((r) => [r.key!.toString(), JSON.parse(r.value!.toString())]);

interface Closed {
  start: number;
  count: number;
}

test('exactly-once windowed count: each window closes once, across a restart', async () => {
  const topic = unique('win-messages');
  const closedTopic = unique('win-closed');
  const name = unique('win-count');
  const base = await topics(topic, closedTopic);
  // Each member builds its own windowed table, as a separate process would.
  const group = () => {
    const windows = windowedTable('per-10s', tumbling(10_000, { retention: 60_000 }), json<number>(), {
      onClose: (ctx, w) => ctx.emit(closedTopic, ctx.key, { start: w.start, count: w.value }),
    });
    return {
      windows,
      group: defineGroup<WindowRow<number>>(
        name,
        ...windows.edges(),
        output(closedTopic, json<Closed>()),
        input(topic, json<string>(), (ctx) => {
          windows.update(ctx, (n) => (n ?? 0) + 1);
        }),
      ),
    };
  };
  const member = () => {
    const { windows, group: g } = group();
    return { p: eosMember(g), windows };
  };
  const keys = ['k0', 'k1', 'k2', 'k3'];
  const send = sender(base, topic, keys);
  const t0 = Math.floor(Date.now() / 10_000) * 10_000 - 120_000;

  const a = member();
  await a.p.start();
  for (const at of [t0 + 1_000, t0 + 2_000, t0 + 3_000, t0 + 12_000]) await send(at); // the last closes [t0, t0+10s)
  const closes = () => emitted(base, closedTopic);
  await eventually(async () => (await closes()).length === keys.length, { what: 'the first windows closed' });
  await a.p.stop();

  const b = member();
  await b.p.start();
  await send(t0 + 15_000); // the first record after the restart: stream time starts here
  await send(t0 + 25_000); // crosses t0+20s: [t0+10s, t0+20s) closes; [t0, t0+10s) is closed already
  await eventually(async () => (await closes()).length === 2 * keys.length, { what: 'the second windows' });
  const table = await readTable(base, `${name}-table`, b.windows.codec);
  await b.p.stop();

  const got = await closes();
  for (const key of keys) {
    expect(got.filter(([k]) => k === key).map(([, v]) => v)).toEqual([
      { start: t0, count: 3 },
      { start: t0 + 10_000, count: 2 },
    ]);
    expect(
      b.windows.fetch(table.get(key), t0, t0 + 60_000).map((w) => [w.start - t0, w.value, w.closed]),
    ).toEqual([
      [0, 3, true],
      [10_000, 2, true],
      [20_000, 1, false],
    ]);
  }
});

interface ClosedSession {
  start: number;
  end: number;
  count: number;
}

test('exactly-once session count: sessions merge and close once, across a restart', async () => {
  const topic = unique('ses-clicks');
  const closedTopic = unique('ses-closed');
  const name = unique('ses-count');
  const base = await topics(topic, closedTopic);
  const member = () => {
    const sessions = sessionTable(
      'per-visit',
      sessionWindows(10_000, { retention: 120_000 }),
      json<number>(),
      {
        onClose: (ctx, s) => ctx.emit(closedTopic, ctx.key, { start: s.start, end: s.end, count: s.value }),
      },
    );
    const g = defineGroup<SessionRow<number>>(
      name,
      ...sessions.edges(),
      output(closedTopic, json<ClosedSession>()),
      input(topic, json<string>(), (ctx) => {
        sessions.update(
          ctx,
          (n) => (n ?? 0) + 1,
          (a, b) => a + b,
        );
      }),
    );
    return { p: eosMember(g), sessions };
  };
  const keys = ['s0', 's1', 's2', 's3'];
  const send = sender(base, topic, keys);
  const t0 = Math.floor(Date.now() / 10_000) * 10_000 - 300_000;
  const closes = () => emitted(base, closedTopic);

  const a = member();
  await a.p.start();
  // One session [1 s, 8 s] per key; the click at 30 s is past 8 + 10 and closes it.
  for (const at of [t0 + 1_000, t0 + 4_000, t0 + 8_000, t0 + 30_000]) await send(at);
  await eventually(async () => (await closes()).length === keys.length, {
    what: 'the first sessions closed',
  });
  await a.p.stop();

  const b = member();
  await b.p.start();
  await send(t0 + 35_000); // joins [30 s, 30 s]; stream time starts over here
  await send(t0 + 60_000); // closes [30 s, 35 s]; [1 s, 8 s] is closed already
  await eventually(async () => (await closes()).length === 2 * keys.length, { what: 'the second sessions' });
  const table = await readTable(base, `${name}-table`, b.sessions.codec);
  await b.p.stop();

  const got = await closes();
  for (const key of keys) {
    expect(got.filter(([k]) => k === key).map(([, v]) => v)).toEqual([
      { start: t0 + 1_000, end: t0 + 8_000, count: 3 },
      { start: t0 + 30_000, end: t0 + 35_000, count: 2 },
    ]);
    expect(
      b.sessions
        .fetch(table.get(key), t0, t0 + 120_000)
        .map((s) => [s.start - t0, s.end - t0, s.value, s.closed]),
    ).toEqual([
      [1_000, 8_000, 3, true],
      [30_000, 35_000, 2, true],
      [60_000, 60_000, 1, false],
    ]);
  }
});
