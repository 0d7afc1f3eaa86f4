import { afterEach, expect, it } from 'vitest';
import { defineGroup, input, json, memoryCluster, memoryStorage, Processor, persist } from '../src/index.ts';
import { until } from './support/gated-cluster.ts';
import { testLogger } from './support/kafka.ts';

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.allSettled(stops.splice(0).map((s) => s()));
});

type Command = { op: 'set'; v: number } | { op: 'del' };
const group = defineGroup(
  'kv',
  persist(json<number>()),
  input('commands', json<Command>(), (ctx, c) => {
    if (c.op === 'del') ctx.delete();
    else ctx.setValue(c.v);
  }),
);

it('a store whose checkpoint fell behind the log start is rebuilt: a deleted key does not come back', async () => {
  const cluster = memoryCluster({ partitions: 1 });
  cluster.createTopic({ name: 'commands', partitions: 1 });
  const send = (key: string, c: Command) =>
    cluster
      .producer()
      .send([
        { topic: 'commands', partition: 0, key: Buffer.from(key), value: Buffer.from(JSON.stringify(c)) },
      ]);
  const old = memoryStorage();
  const run = async (storage: ReturnType<typeof memoryStorage>, work: () => Promise<void>, until: number) => {
    const p = new Processor(group, { cluster, storage, logger: testLogger() });
    stops.push(() => p.stop());
    await p.start();
    await work();
    await waitCommitted(until);
    await p.stop();
  };
  const waitCommitted = (offset: number) =>
    until(() => (cluster.committedOffset('kv', 'commands', 0) ?? 0) >= offset, `commit ${offset}`);

  // This instance's store knows x and y, then the instance goes away for a long while.
  await run(
    old,
    async () => {
      await send('x', { op: 'set', v: 1 });
      await send('y', { op: 'set', v: 1 });
    },
    2,
  );
  // Another owner deletes x and writes z and y; the changelog then loses everything up to and
  // including x's tombstone (retention, or compaction once delete.retention.ms passed).
  await run(
    memoryStorage(),
    async () => {
      await send('x', { op: 'del' });
      await send('z', { op: 'set', v: 2 });
      await send('y', { op: 'set', v: 2 });
    },
    5,
  );
  const tombstone = cluster.records('kv-table', 0).find((r) => r.value === null)!;
  cluster.deleteRecords('kv-table', 0, tombstone.offset + 1);
  expect((await (await old.open('kv-table', 0)).getOffset())!).toBeLessThan(tombstone.offset + 1);

  // The first instance comes back on its old store.
  await run(old, async () => undefined, 5);
  const store = await old.open('kv-table', 0);
  expect(await store.get('x')).toBeUndefined();
  expect((await store.get('y'))?.toString()).toBe('2');
  expect((await store.get('z'))?.toString()).toBe('2');
});
