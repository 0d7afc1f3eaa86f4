import { afterAll, expect, test } from 'vitest';
import {
  type Cluster,
  defineGroup,
  input,
  json,
  output,
  Processor,
  tumbling,
  type WindowRow,
  windowedTable,
} from '../src/index.ts';
import { eventually, readTable, readTopic, testCluster, testLogger, unique } from './support/kafka.ts';

/**
 * A windowed count on the real broker, exactly-once, with a restart in the middle: every window
 * closes once (its close is committed with the batch that closed it, and the closed mark in the
 * row keeps the restarted member, whose stream time starts over, from closing it again).
 */
const clusters: Cluster[] = [];
const processors: Processor[] = [];

afterAll(async () => {
  await Promise.allSettled(processors.map((p) => p.stop()));
  await Promise.allSettled(clusters.map((c) => c.close()));
});

interface Closed {
  start: number;
  count: number;
}

test('exactly-once windowed count: each window closes once, across a restart', async () => {
  const topic = unique('win-messages');
  const closedTopic = unique('win-closed');
  const name = unique('win-count');
  const base = testCluster();
  clusters.push(base);
  await base.ensureTopics([
    { name: topic, partitions: 2 },
    { name: closedTopic, partitions: 1 },
  ]);
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
    const cluster = testCluster();
    clusters.push(cluster);
    const { windows, group: g } = group();
    const p = new Processor(g, { cluster, logger: testLogger(), guarantee: 'exactly-once' });
    processors.push(p as Processor);
    return { p, windows };
  };
  const producer = base.producer();
  const { partitionFor } = await import('../src/index.ts');
  const keys = ['k0', 'k1', 'k2', 'k3'];
  const send = (at: number) =>
    producer.send(
      keys.map((key) => ({
        topic,
        partition: partitionFor(key, 2),
        key: Buffer.from(key),
        value: Buffer.from(JSON.stringify('m')),
        timestamp: at,
      })),
    );
  const t0 = Math.floor(Date.now() / 10_000) * 10_000 - 120_000;

  const a = member();
  await a.p.start();
  for (const at of [t0 + 1_000, t0 + 2_000, t0 + 3_000, t0 + 12_000]) await send(at); // the last closes [t0, t0+10s)
  const closes = async () =>
    (await readTopic(base, closedTopic)).map((r) => [r.key!.toString(), JSON.parse(r.value!.toString())]);
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
