import { afterEach, expect, it } from 'vitest';
import { json, memoryCluster, memoryStorage, type Storage, View, ViewUnavailable } from '../src/index.ts';
import { until } from './support/gated-cluster.ts';
import { HeldCluster } from './support/held-cluster.ts';
import { testLogger } from './support/kafka.ts';

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.allSettled(stops.splice(0).map((s) => s()));
});

function table(records: number) {
  const cluster = memoryCluster({ partitions: 1 });
  cluster.createTopic({ name: 't', partitions: 1, compacted: true });
  const producer = cluster.producer();
  const put = (key: string, value: string) =>
    producer.send([{ topic: 't', partition: 0, key: Buffer.from(key), value: Buffer.from(value) }]);
  return { cluster, put, ready: Promise.all(Array.from({ length: records }, (_, i) => put(`k${i}`, '1'))) };
}

it('a view reports its lag: the records it is behind, 0 once caught up', async () => {
  const { cluster, ready } = table(5);
  await ready;
  const held = new HeldCluster(cluster);
  held.readers.hold();
  const view = new View({ cluster: held.cluster, table: 't', codec: json<number>(), logger: testLogger() });
  stops.push(() => view.stop());
  const started = view.start();
  await until(() => held.readers.waiting > 0, 'recovery');
  expect(view.stats().lag).toBe(5);
  held.readers.open();
  await started;
  expect(view.stats().lag).toBe(0);
});

it('records that do not decode are counted and logged, not dropped silently', async () => {
  const { cluster, put, ready } = table(1);
  await ready;
  const view = new View({ cluster, table: 't', codec: json<number>(), logger: testLogger() });
  stops.push(() => view.stop());
  await view.start();
  await put('bad', '{not json');
  await put('good', '2');
  await until(async () => (await view.get('good')) === 2, 'the good record');
  expect(view.stats().decodeErrors).toBe(1);
});

it('a failed view refuses reads with ViewUnavailable instead of serving its stale copy', async () => {
  const { cluster, put, ready } = table(1);
  await ready;
  let broken = false;
  const inner = memoryStorage();
  const storage: Storage = {
    description: 'breaking',
    open: async (topic, partition) => {
      const store = await inner.open(topic, partition);
      return Object.assign(Object.create(store) as typeof store, {
        write: async (...args: Parameters<typeof store.write>) => {
          if (broken) throw new Error('disk full');
          return store.write(...args);
        },
      });
    },
  };
  const view = new View({ cluster, table: 't', codec: json<number>(), storage, logger: testLogger() });
  stops.push(() => view.stop());
  await view.start();
  expect(await view.get('k0')).toBe(1);
  broken = true;
  await put('k0', '2');
  await until(() => view.state === 'failed', 'the view to fail');
  await expect(view.get('k0')).rejects.toBeInstanceOf(ViewUnavailable);
  await expect(view.get('k0')).rejects.toThrow(/view t is failed: .*cannot write/);
  expect(view.stats().error).toMatch(/cannot write/);
});
