import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Emitter, type Guarantee, json, levelStorage, memoryCluster, Processor } from '../src/index.ts';
import { fullDiskScenario } from './support/full-disk.ts';
import { type CountEvent, eventually, tallyGroup, testLogger } from './support/kafka.ts';
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

  it('a processor started on a full disk waits, stalled, and starts once space returns; a stop while stalled is clean', async () => {
    disk = Tmpfs.mount(1024);
    const cluster = memoryCluster({ partitions: PARTITIONS });
    cluster.createTopic({ name: 'clicks', partitions: PARTITIONS });
    const emitter = new Emitter({ cluster, topic: 'clicks', codec: json<CountEvent>() });
    closers.push(() => emitter.close());
    await Promise.all(Array.from({ length: 20 }, (_, i) => emitter.emit(`k${i}`, { id: `e${i}` })));
    disk.fill();
    const processor = new Processor(tallyGroup('tally', 'clicks', 'one'), {
      cluster,
      storage: levelStorage({ path: join(disk.dir, 'tables') }),
      logger: testLogger(),
    });
    closers.push(() => processor.stop());
    let started = false;
    const starting = processor.start().then(() => {
      started = true;
    });
    // No store opens on a full disk: every partition stalls, the start waits.
    await eventually(
      () => processor.stats().partitions.filter((p) => p.stalled?.code === 'ENOSPC').length === PARTITIONS,
      { what: 'both partitions stalled' },
    );
    expect(started).toBe(false);
    expect(processor.error).toBeUndefined();

    disk.free();
    await starting;
    await eventually(() => processor.stats().processed === 20, { what: 'the 20 events processed' });

    // Stalled again, then stopped: the stop neither hangs nor fails.
    disk.fill();
    await Promise.all(Array.from({ length: 200 }, (_, i) => emitter.emit(`k${i % 20}`, { id: `f${i}` })));
    await eventually(() => processor.stats().partitions.some((p) => p.state === 'stalled'), {
      what: 'a stalled partition',
    });
    await processor.stop();
    expect(processor.state).toBe('stopped');
    expect(processor.error).toBeUndefined();
  }, 120_000);
});
