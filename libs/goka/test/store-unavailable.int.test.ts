import { afterAll, expect, test } from 'vitest';
import type { KafkaCluster } from '../src/index.ts';
import { fullDiskScenario } from './support/full-disk.ts';
import { testCluster, unique } from './support/kafka.ts';
import { Tmpfs } from './support/tmpfs.ts';

/**
 * Issue 26, "disk and data", against the real broker with an exactly-once group: the stores of
 * a processor live on a 2 MiB tmpfs that fills up (support/full-disk.ts). The stalled partitions
 * start over with new transactional producers (which abort the open transaction of the batch
 * whose store write failed), recover from the changelog once space returns, and every event is
 * applied exactly once.
 */
const PARTITIONS = 2;
const closers: (() => Promise<unknown>)[] = [];
let disk: Tmpfs | undefined;
let cluster: KafkaCluster | undefined;

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await cluster?.close();
  disk?.unmount();
});

test('exactly-once on a real broker: a full disk stalls the partitions; they recover in place, every event applied once', async () => {
  disk = Tmpfs.mount(2048);
  cluster = testCluster();
  const topic = unique('full-disk-events');
  await cluster.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
  await fullDiskScenario({
    cluster,
    disk,
    topic,
    group: unique('full-disk-tally'),
    guarantee: 'exactly-once',
    closers,
  });
  expect(closers.length).toBeGreaterThan(0);
}, 180_000);
