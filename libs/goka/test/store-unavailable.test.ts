import { afterAll, afterEach, describe, it } from 'vitest';
import { type Guarantee, memoryCluster } from '../src/index.ts';
import { fullDiskScenario } from './support/full-disk.ts';
import { Tmpfs } from './support/tmpfs.ts';

/**
 * Issue 26, "disk and data", on the memory cluster: stores on a real 2 MiB tmpfs that fills up
 * (see support/full-disk.ts). A partition stalls and recovers in place; the processor never fails.
 */
const PARTITIONS = 2;
const closers: (() => Promise<unknown>)[] = [];
let disk: Tmpfs | undefined;

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  disk?.unmount();
  disk = undefined;
});
afterAll(() => disk?.unmount());

describe('a table store on a disk that fills up', () => {
  for (const guarantee of ['at-least-once', 'exactly-once'] as Guarantee[]) {
    it(`${guarantee}: the partition stalls, not the processor, and recovers in place when space returns`, async () => {
      disk = Tmpfs.mount(2048);
      const cluster = memoryCluster({ partitions: PARTITIONS });
      const topic = `clicks-${guarantee}`;
      cluster.createTopic({ name: topic, partitions: PARTITIONS });
      await fullDiskScenario({ cluster, disk, topic, group: `tally-${guarantee}`, guarantee, closers });
    }, 120_000);
  }
});
