import type { RecoveryProgress } from '../recovery-progress.ts';
import type { OffsetTracker } from './offset-tracker.ts';

/**
 * `lapsed`: the membership lease ran out; the task processes nothing more and is replaced.
 * `stalled`: its table store is unavailable (a full or unwritable disk); the partition starts
 * over with a backoff until the store takes writes again (`PartitionStats.stalled` says why).
 */
export type PartitionState =
  | 'recovering'
  | 'running'
  | 'lapsed'
  | 'stalled'
  | 'closing'
  | 'closed'
  | 'failed';

/** Why and since when a partition waits for its table store (see partition-stall.ts). */
export interface PartitionStall {
  /** `table store unavailable: ENOSPC: IO error: …: No space left on device (<store>)` */
  readonly reason: string;
  /** The errno-like code: ENOSPC, EDQUOT, EROFS, EACCES, EIO. */
  readonly code: string;
  /** ISO time of the first failure of this stall. */
  readonly since: string;
  /** Starts over so far; the next one waits 0.5, 1, 2, 4, 8, then 10 s. */
  readonly attempts: number;
}

export interface PartitionStats {
  readonly partition: number;
  readonly state: PartitionState;
  readonly processed: number;
  readonly deadLettered: number;
  readonly skippedTombstones: number;
  /** Table writes that a later write of their key replaced before they were sent (coalescing). */
  readonly coalescedWrites: number;
  /** Messages started whose effects are not all acknowledged yet. */
  readonly inFlight: number;
  /** Exactly-once: transactions committed, and the records (table writes, emits, loopbacks) they carried. */
  readonly transactions: number;
  readonly transactionRecords: number;
  /**
   * Per input (and loop) topic of this partition: `consumed`, the next offset to process, and
   * `committable`, the next offset once everything before it is acknowledged. Lag is a topic's
   * high-water mark (`cluster.offsets(topic)`) minus `consumed`.
   */
  readonly positions: Readonly<Record<string, { readonly consumed: number; readonly committable: number }>>;
  readonly recovery: ReturnType<RecoveryProgress['snapshot']>;
  /** Set while the partition is `stalled` on its store (and while the retry recovers). */
  readonly stalled?: PartitionStall;
}

/**
 * A task's figures: its counters, plus per topic where it is (`consumed`, `committable`) and the
 * messages in flight, from its offset trackers and from what the consumer passed without a
 * message (transaction markers, aborted records: `passedTo`).
 */
export function partitionStats(
  counts: Omit<PartitionStats, 'inFlight' | 'positions'>,
  trackers: ReadonlyMap<string, OffsetTracker>,
  passedTo: ReadonlyMap<string, number>,
): PartitionStats {
  let inFlight = 0;
  const positions: Record<string, { consumed: number; committable: number }> = {};
  for (const [topic, tracker] of trackers) {
    inFlight += tracker.open;
    positions[topic] = { consumed: tracker.nextOffset ?? 0, committable: tracker.committableOffset ?? 0 };
  }
  for (const [topic, next] of passedTo) {
    const at = positions[topic];
    if (!at) positions[topic] = { consumed: next, committable: next };
    else if (next > at.consumed) positions[topic] = { consumed: next, committable: at.committable };
  }
  return { ...counts, inFlight, positions };
}
