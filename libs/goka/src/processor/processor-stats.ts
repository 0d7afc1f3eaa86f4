import type { RecoverySnapshot } from '../recovery-progress.ts';
import type { PartitionStats } from './partition-stats.ts';
import type { ProcessorState, ProcessorStats } from './processor-options.ts';

/** What the lease keeper counted (at-least-once; zero otherwise). */
export interface LapseCounts {
  readonly lapses: number;
  readonly dropped: number;
}

/** A processor's figures: its partitions' in partition order, summed; recovery as one. */
export function processorStats(
  group: string,
  state: ProcessorState,
  owned: readonly PartitionStats[],
  lease: LapseCounts,
): ProcessorStats {
  const partitions = [...owned].sort((a, b) => a.partition - b.partition);
  const recovery = partitions.reduce(
    (acc, p) => ({
      done: acc.done + p.recovery.done,
      total: acc.total + p.recovery.total,
      rate: acc.rate + p.recovery.rate,
      elapsedMs: Math.max(acc.elapsedMs, p.recovery.elapsedMs),
      finished: acc.finished && p.recovery.finished,
    }),
    { done: 0, total: 0, rate: 0, elapsedMs: 0, finished: true } as RecoverySnapshot,
  );
  return {
    group,
    state,
    partitions,
    processed: partitions.reduce((n, p) => n + p.processed, 0),
    deadLettered: partitions.reduce((n, p) => n + p.deadLettered, 0),
    transactions: partitions.reduce((n, p) => n + p.transactions, 0),
    transactionRecords: partitions.reduce((n, p) => n + p.transactionRecords, 0),
    recovery,
    leaseLapses: lease.lapses,
    lapseDroppedWrites: lease.dropped,
  };
}
