import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, test } from 'vitest';
import {
  type Cluster,
  defineGroup,
  Emitter,
  input,
  json,
  output,
  Processor,
  type ProcessorOptions,
  persist,
  timer,
  visitor,
} from '../src/index.ts';
import { eventually, readTable, readTopic, testCluster, testLogger, unique } from './support/kafka.ts';

/**
 * Visits and timers on the real broker: members as separate clusters (clients) in one process,
 * graceful joins and leaves between them (the rebalances), exactly-once where it matters.
 */
const PARTITIONS = 4;
const clusters: Cluster[] = [];
const processors: Processor[] = [];

afterAll(async () => {
  await Promise.allSettled(processors.map((p) => p.stop()));
  await Promise.allSettled(clusters.map((c) => c.close()));
});

function member<V, L>(group: ReturnType<typeof defineGroup<V, L>>, options: Partial<ProcessorOptions> = {}) {
  const cluster = testCluster();
  clusters.push(cluster);
  const p = new Processor(group, { cluster, logger: testLogger(), ...options });
  processors.push(p as Processor);
  return p;
}

async function split(a: Processor<never, never> | Processor, b: Processor) {
  await eventually(
    () =>
      a.state === 'running' &&
      b.state === 'running' &&
      a.partitions.length > 0 &&
      b.partitions.length > 0 &&
      a.partitions.length + b.partitions.length === PARTITIONS,
    { what: 'the partitions split between two members' },
  );
}

test('exactly-once visit expires rows across a rebalance: each member visits its own partitions, the deletions commit and survive the handover', async () => {
  const topic = unique('visit-pings');
  const name = unique('visit-expire');
  const base = testCluster();
  clusters.push(base);
  await base.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
  const group = defineGroup<number>(
    name,
    persist(json<number>()),
    input(topic, json<number>(), (ctx, at) => ctx.setValue(at)),
    visitor<{ before: number }, number>('expire', (ctx, meta) => {
      if ((ctx.value() ?? 0) < meta.before) ctx.delete();
    }),
  );
  const a = member(group, { guarantee: 'exactly-once' });
  await a.start();
  const emitter = new Emitter({ cluster: base, topic, codec: json<number>() });
  await Promise.all(Array.from({ length: 200 }, (_, i) => emitter.emit(`k${i}`, i)));
  await emitter.close();
  await eventually(async () => (await readTable(base, `${name}-table`, json<number>())).size === 200, {
    what: 'all 200 rows in the table',
  });

  const b = member(group, { guarantee: 'exactly-once' });
  await b.start();
  await split(a, b);
  const [ra, rb] = await Promise.all([
    a.visitAll('expire', { before: 100 }),
    b.visitAll('expire', { before: 100 }),
  ]);
  // Each member visited only its own partitions, and together every key once.
  expect(ra.partitions.map((p) => p.partition)).toEqual(a.partitions);
  expect(rb.partitions.map((p) => p.partition)).toEqual(b.partitions);
  expect(ra.visited + rb.visited).toBe(200);

  // b leaves: a recovers b's partitions from the changelog, where b's deletions were committed.
  await b.stop();
  await eventually(() => a.state === 'running' && a.partitions.length === PARTITIONS, {
    what: 'a owns every partition again',
  });
  const again = await a.visitAll('expire', { before: 100 });
  expect(again.visited).toBe(100);
  const table = await readTable(base, `${name}-table`, json<number>());
  expect([...table.keys()].sort()).toEqual(Array.from({ length: 100 }, (_, i) => `k${i + 100}`).sort());
  await a.stop();
});

interface Tick {
  partition: number;
  member: string;
  time: number;
}

test('wall-clock timers fire only on the owner and keep firing after a rebalance moves the partition', async () => {
  const topic = unique('timer-events');
  const ticks = unique('timer-ticks');
  const name = unique('timer-wall');
  const base = testCluster();
  clusters.push(base);
  await base.ensureTopics([
    { name: topic, partitions: PARTITIONS },
    { name: ticks, partitions: 1 },
  ]);
  const group = (member: string) =>
    defineGroup(
      name,
      output(ticks, json<Tick>()),
      input(topic, json<number>(), () => undefined),
      timer('tick', { every: 250, clock: 'wall' }, (ctx) => {
        ctx.emit(ticks, 'tick', { partition: ctx.partition, member, time: ctx.time });
      }),
    );
  const a = member(group('a'));
  await a.start();
  const b = member(group('b'));
  await b.start();
  await split(a, b);
  const owners = new Map<number, string>([
    ...a.partitions.map((p) => [p, 'a'] as const),
    ...b.partitions.map((p) => [p, 'b'] as const),
  ]);
  const splitAt = Date.now();
  await sleep(2_000);
  const movedAt = Date.now();
  await b.stop();
  await eventually(() => a.partitions.length === PARTITIONS, { what: 'a owns every partition' });
  const ownedAllAt = Date.now();
  await sleep(2_000);
  await a.stop();

  const all = (await readTopic(base, ticks)).map((r) => JSON.parse(r.value!.toString()) as Tick);
  // While split: each boundary fired once per partition, by that partition's owner only.
  const whileSplit = all.filter((t) => t.time > splitAt + 250 && t.time < movedAt - 250);
  expect(whileSplit.length).toBeGreaterThan(PARTITIONS);
  for (const t of whileSplit) expect(t.member, `partition ${t.partition}`).toBe(owners.get(t.partition));
  const perBoundary = new Map<string, number>();
  for (const t of whileSplit) {
    const k = `${t.partition}@${t.time}`;
    perBoundary.set(k, (perBoundary.get(k) ?? 0) + 1);
  }
  expect([...perBoundary.values()].every((n) => n === 1)).toBe(true);
  // After b left: a fires for b's former partitions too.
  const after = all.filter((t) => t.time > ownedAllAt);
  for (let p = 0; p < PARTITIONS; p++) {
    expect(
      after.some((t) => t.partition === p && t.member === 'a'),
      `partition ${p} after the move`,
    ).toBe(true);
  }
});

test('exactly-once stream-time timer: its deletions and emits commit with the batch that fired it, across a restart', async () => {
  const topic = unique('stream-events');
  const fired = unique('stream-fired');
  const name = unique('timer-stream');
  const base = testCluster();
  clusters.push(base);
  await base.ensureTopics([
    { name: topic, partitions: 1 },
    { name: fired, partitions: 1 },
  ]);
  const group = defineGroup<number>(
    name,
    persist(json<number>()),
    output(fired, json<{ time: number; expired: number }>()),
    input(topic, json<number>(), (ctx, at) => ctx.setValue(at)),
    timer<number>('close', { every: 10_000, clock: 'stream' }, async (ctx) => {
      let expired = 0;
      await ctx.visit((row) => {
        if ((row.value() ?? 0) < ctx.time - 10_000) {
          row.delete();
          expired++;
        }
      });
      ctx.emit(fired, 'close', { time: ctx.time, expired });
    }),
  );
  const producer = base.producer();
  const t0 = Math.floor(Date.now() / 10_000) * 10_000 - 60_000;
  const send = (key: string, at: number) =>
    producer.send([
      { topic, partition: 0, key: Buffer.from(key), value: Buffer.from(JSON.stringify(at)), timestamp: at },
    ]);
  const first = member(group, { guarantee: 'exactly-once' });
  await first.start();
  for (let i = 0; i < 5; i++) await send(`old${i}`, t0 + 1_000 + i);
  await send('mid', t0 + 15_000); // crosses t0+10,000: nothing is old enough yet
  await eventually(async () => (await readTable(base, `${name}-table`, json<number>())).size === 6, {
    what: 'six rows',
  });
  await first.stop();
  // Restarted: stream time starts over with the first record, which crosses no boundary here.
  const second = member(group, { guarantee: 'exactly-once' });
  await second.start();
  await send('late', t0 + 25_000); // sets the first boundary: t0+30,000
  await send('new', t0 + 31_000); // crosses it: rows before t0+20,000 expire
  await eventually(async () => (await readTable(base, `${name}-table`, json<number>())).size === 2, {
    what: 'the old rows expired',
  });
  const table = await readTable(base, `${name}-table`, json<number>());
  expect([...table.keys()].sort()).toEqual(['late', 'new']);
  const closes = (await readTopic(base, fired)).map((r) => JSON.parse(r.value!.toString()));
  expect(closes).toEqual([
    { time: t0 + 10_000, expired: 0 },
    { time: t0 + 30_000, expired: 6 },
  ]);
  await second.stop();
});
