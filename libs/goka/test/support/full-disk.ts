import { join } from 'node:path';
import { expect } from 'vitest';
import {
  type Cluster,
  Emitter,
  type Guarantee,
  json,
  levelStorage,
  type PartitionStats,
  Processor,
} from '../../src/index.ts';
import {
  audit,
  type CountEvent,
  emitCounted,
  eventually,
  readTopic,
  type Tally,
  tallyGroup,
  testLogger,
} from './kafka.ts';
import type { Tmpfs } from './tmpfs.ts';

export interface FullDiskRun {
  readonly cluster: Cluster;
  readonly disk: Tmpfs;
  readonly topic: string;
  readonly group: string;
  readonly guarantee: Guarantee;
  /** Registers what the test's afterAll/afterEach must stop, also on failure. */
  readonly closers: (() => Promise<unknown>)[];
  readonly keys?: number;
}

/** The table as its changelog has it: the last value of each key (read committed). */
async function changelogTable(cluster: Cluster, table: string): Promise<Map<string, Tally>> {
  const values = new Map<string, Tally>();
  for (const r of await readTopic(cluster, table)) {
    const key = r.key!.toString();
    if (r.value === null) values.delete(key);
    else values.set(key, JSON.parse(r.value.toString()) as Tally);
  }
  return values;
}

/** The stalled partitions; throws at once when the processor failed instead (the old behaviour). */
const stalledOf = (p: Processor<Tally>): PartitionStats[] => {
  if (p.error) throw new Error(`the processor failed: ${p.error.message}`, { cause: p.error });
  return p.stats().partitions.filter((s) => s.state === 'stalled');
};

/**
 * Issue 26, "disk and data", on a real file system: a processor whose stores live on a small
 * tmpfs runs; the tmpfs is filled until LevelDB's writes fail while events keep coming. The
 * processor must stay up (not failed) with the affected partitions `stalled` and the reason,
 * retry with a backoff, and — once the filler is gone — recover in place: every event emitted
 * before and during the outage applied (exactly once for exactly-once groups), and the
 * partitions' LevelDB stores holding exactly what the changelog says.
 */
export async function fullDiskScenario(run: FullDiskRun): Promise<void> {
  const { cluster, disk, topic, group, guarantee, closers } = run;
  const keys = run.keys ?? 20;
  const path = join(disk.dir, 'tables');
  const emitter = new Emitter({ cluster, topic, codec: json<CountEvent>() });
  closers.push(() => emitter.close());
  const emitted = new Map<string, string[]>();
  const emit = (from: number, to: number) =>
    Promise.all(
      Array.from({ length: to - from }, (_, i) =>
        emitCounted(emitter, emitted, `k${(from + i) % keys}`, from + i),
      ),
    );
  const processor = new Processor(tallyGroup(group, topic, 'one'), {
    cluster,
    storage: levelStorage({ path }),
    guarantee,
    logger: testLogger(),
  });
  closers.push(() => processor.stop());
  await processor.start();
  const settled = async (events: number) => {
    const table = await changelogTable(cluster, `${group}-table`);
    const report = audit(table, emitted);
    return report.lost === 0 && report.events === events;
  };

  await emit(0, 100);
  await eventually(() => settled(100), { what: 'the first 100 events in the table' });

  // The disk fills up; events keep coming: the stores' next writes fail.
  disk.fill();
  await emit(100, 400);
  await eventually(() => stalledOf(processor).length > 0, { what: 'a partition stalled on its store' });
  const [stalled] = stalledOf(processor);
  expect(stalled!.stalled?.reason).toMatch(/^table store unavailable: ENOSPC: .*No space left on device/);
  expect(stalled!.stalled?.code).toBe('ENOSPC');
  // It keeps trying (with a backoff) and stays stalled while the disk is full; the processor runs.
  await eventually(() => stalledOf(processor).some((s) => (s.stalled?.attempts ?? 0) >= 3), {
    what: 'three attempts of a stalled partition',
  });
  expect(stalledOf(processor).length).toBeGreaterThan(0);
  expect(processor.error).toBeUndefined();
  expect(processor.state).not.toBe('failed');

  // Space returns: the partitions recover in place; later events are applied too.
  disk.free();
  await emit(400, 500);
  await eventually(() => settled(500), { what: 'all 500 events in the table after the outage' });
  await eventually(() => stalledOf(processor).length === 0, { what: 'no stalled partition' });
  expect(processor.stats().partitions.every((s) => s.state === 'running')).toBe(true);
  expect(processor.error).toBeUndefined();

  const table = await changelogTable(cluster, `${group}-table`);
  const report = audit(table, emitted);
  expect(report.lost).toBe(0);
  expect(report.events).toBe(500);
  // Exactly-once: every event applied once. At-least-once may apply an uncommitted one twice.
  if (guarantee === 'exactly-once') expect(report.duplicates).toBe(0);

  // The local stores hold exactly what the changelog holds.
  await processor.stop();
  const storage = levelStorage({ path });
  const stored = new Map<string, Tally>();
  for (const partition of (await cluster.offsets(`${group}-table`)).map((o) => o.partition)) {
    const store = await storage.open(`${group}-table`, partition);
    try {
      for await (const [key, value] of store.iterate())
        stored.set(key, JSON.parse(value.toString()) as Tally);
    } finally {
      await store.close();
    }
  }
  expect(stored).toEqual(table);
}
