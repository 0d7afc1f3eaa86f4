/**
 * 4 recovery: a compacted changelog of `tableKeys` distinct keys, replayed into an empty
 * LevelDB store until the replica is running.
 * view: `new View({ storage: levelStorage })`, clock from `start()` to its resolution.
 * processor: a processor of the group that owns the table, empty store, clock from `start()`
 * (includes joining the group) to running.
 * raw: the ceiling of reading — a kafkajs consumer group reads the same topic, counting only,
 * clock from `connect()` to the last record.
 * Each repetition of each variant is its own process, so peak RSS is that of one recovery.
 */

import { join } from 'node:path';
import { defineGroup, input, json, levelStorage, Processor, persist, View } from '@showcase/goka';
import { gokaCluster, gokaUnavailable } from '../cluster.ts';
import type { BenchValue } from '../data.ts';
import { type TableFixture, tableChangelog } from '../fixtures.ts';
import { uniqueName } from '../naming.ts';
import type { Scenario } from '../scenario.ts';
import { nowMs } from '../stats.ts';
import { rawConsume } from './consume.ts';

/** Logs the replica's progress once a second while `work` runs. */
async function withProgress<T>(
  log: (line: string) => void,
  snapshot: () => { done: number; total: number },
  work: Promise<T>,
): Promise<T> {
  const timer = setInterval(() => {
    const { done, total } = snapshot();
    log(`${done}/${total} records`);
  }, 2_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

export const recovery: Scenario = {
  name: 'recovery',
  number: 4,
  title: 'recovery: replay a changelog into an empty LevelDB store',
  fixtures: [tableChangelog],
  variants: [
    {
      name: 'raw',
      async run(ctx, fixtures, rep, log) {
        const table = fixtures['table-changelog'] as TableFixture;
        const { fromStartMs } = await rawConsume({
          brokers: ctx.brokers,
          group: uniqueName(ctx, 'recovery', 'raw', rep),
          topic: table.table,
          records: table.records,
          log,
          decode: false,
        });
        return { rate: (table.records * 1000) / fromStartMs };
      },
    },
    {
      name: 'view',
      unavailable: gokaUnavailable,
      async run(ctx, fixtures, rep, log) {
        const table = fixtures['table-changelog'] as TableFixture;
        const cluster = gokaCluster(ctx.brokers, 'bench-recovery-view');
        const view = new View({
          cluster,
          table: table.table,
          codec: json<BenchValue>(),
          storage: levelStorage({ path: join(ctx.workDir, `recovery-view-${rep}`) }),
        });
        try {
          const started = nowMs();
          await withProgress(log, () => view.stats().recovery, view.start());
          const elapsed = nowMs() - started;
          const recovered = view.stats().recovery.done;
          if (recovered < table.records)
            throw new Error(`recovered ${recovered} of ${table.records} records`);
          return { rate: (table.records * 1000) / elapsed };
        } finally {
          await view.stop();
          await cluster.close();
        }
      },
    },
    {
      name: 'processor',
      unavailable: gokaUnavailable,
      async run(ctx, fixtures, rep, log) {
        const table = fixtures['table-changelog'] as TableFixture;
        const group = defineGroup(
          table.group,
          persist(json<BenchValue>()),
          input(table.input, json<BenchValue>(), () => undefined),
        );
        const cluster = gokaCluster(ctx.brokers, 'bench-recovery-processor');
        const processor = new Processor(group, {
          cluster,
          storage: levelStorage({ path: join(ctx.workDir, `recovery-processor-${rep}`) }),
        });
        try {
          const started = nowMs();
          await withProgress(log, () => processor.stats().recovery, processor.start());
          const elapsed = nowMs() - started;
          const recovered = processor.stats().recovery.done;
          if (recovered < table.records)
            throw new Error(`recovered ${recovered} of ${table.records} records`);
          return { rate: (table.records * 1000) / elapsed };
        } finally {
          await processor.stop();
          await cluster.close();
        }
      },
    },
  ],
  figures: [
    { figure: 'raw kafkajs read of the changelog', unit: 'records/s', variant: 'raw', measure: 'rate' },
    {
      figure: 'View recovery until running',
      unit: 'records/s',
      variant: 'view',
      measure: 'rate',
      baseline: { variant: 'raw', measure: 'rate' },
    },
    {
      figure: 'Processor recovery until running',
      unit: 'records/s',
      variant: 'processor',
      measure: 'rate',
      baseline: { variant: 'raw', measure: 'rate' },
    },
    { figure: 'raw read peak RSS', unit: 'MiB', variant: 'raw', measure: 'peakRssMiB' },
    {
      figure: 'View recovery peak RSS',
      unit: 'MiB',
      variant: 'view',
      measure: 'peakRssMiB',
      baseline: { variant: 'raw', measure: 'peakRssMiB' },
    },
    {
      figure: 'Processor recovery peak RSS',
      unit: 'MiB',
      variant: 'processor',
      measure: 'peakRssMiB',
      baseline: { variant: 'raw', measure: 'peakRssMiB' },
    },
  ],
  parameters: (s) => ({
    changelogKeys: s.tableKeys,
    valueBytes: 100,
    partitions: s.partitions,
    storage: 'levelStorage, empty at start',
  }),
  timeoutMs: (s) => 120_000 + s.tableKeys * 0.2,
};
