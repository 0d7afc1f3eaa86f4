/**
 * 4 recovery: a compacted changelog of `tableKeys` distinct keys, replayed into an empty
 * LevelDB store until the replica is running.
 * view: `new View({ storage: levelStorage })`, clock from `start()` to its resolution.
 * view-platformatic: the same view on `kafkaCluster({ reader: 'platformatic' })` (readers on
 * @platformatic/kafka's Fetch instead of a kafkajs consumer).
 * processor: a processor of the group that owns the table, empty store, clock from `start()`
 * (includes joining the group) to running.
 * raw: the ceiling of reading — a kafkajs consumer group reads the same topic, counting only,
 * clock from `connect()` to the last record.
 * Each repetition of each variant is its own process, so peak RSS is that of one recovery.
 */

import { join } from 'node:path';
import {
  type Cluster,
  defineGroup,
  input,
  json,
  kafkaCluster,
  levelStorage,
  Processor,
  persist,
  View,
} from '@showcase/goka';
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

/** A view of the table changelog recovered into an empty LevelDB store: records/s until running. */
async function recoverView(
  cluster: Cluster,
  workDir: string,
  variant: string,
  fixtures: Record<string, unknown>,
  rep: number,
  log: (line: string) => void,
): Promise<{ rate: number }> {
  const table = fixtures['table-changelog'] as TableFixture;
  const view = new View({
    cluster,
    table: table.table,
    codec: json<BenchValue>(),
    storage: levelStorage({ path: join(workDir, `recovery-${variant}-${rep}`) }),
  });
  try {
    const started = nowMs();
    await withProgress(log, () => view.stats().recovery, view.start());
    const elapsed = nowMs() - started;
    const recovered = view.stats().recovery.done;
    if (recovered < table.records) throw new Error(`recovered ${recovered} of ${table.records} records`);
    return { rate: (table.records * 1000) / elapsed };
  } finally {
    await view.stop();
    await cluster.close();
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
      run: (ctx, fixtures, rep, log) =>
        recoverView(gokaCluster(ctx.brokers, 'bench-recovery-view'), ctx.workDir, 'view', fixtures, rep, log),
    },
    {
      name: 'view-platformatic',
      unavailable: gokaUnavailable,
      run: (ctx, fixtures, rep, log) =>
        recoverView(
          // The one variant on another reader client: kafkaCluster directly, with the option.
          kafkaCluster({
            brokers: ctx.brokers,
            clientId: 'bench-recovery-view-plat',
            reader: 'platformatic',
          }),
          ctx.workDir,
          'view-platformatic',
          fixtures,
          rep,
          log,
        ),
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
      figure: 'View recovery until running (platformatic reader)',
      unit: 'records/s',
      variant: 'view-platformatic',
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
      figure: 'View recovery peak RSS (platformatic reader)',
      unit: 'MiB',
      variant: 'view-platformatic',
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
