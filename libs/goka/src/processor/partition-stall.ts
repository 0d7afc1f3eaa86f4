import type { Logger } from '../logger.ts';
import { type StorageUnavailable, stallRetryDelay } from '../storage/storage-unavailable.ts';
import type { PartitionStall } from './partition-stats.ts';

/**
 * A partition that stalls again within this time of its last stall keeps backing off from where
 * it was: a store that opens but refuses the first write must not cycle every half second.
 */
const FORGET_AFTER_MS = 60_000;

/**
 * What the owner of a partition's task (PartitionTasks) does when the task's table store is
 * unavailable, and what it knows about the partition's stall (the task shows it in its stats).
 */
export interface TaskSupervision {
  /** The store refused: the task has stopped processing; the owner starts the partition over. */
  storeUnavailable(task: { readonly partition: number }, error: StorageUnavailable): void;
  stall(partition: number): PartitionStall | undefined;
}

interface Entry {
  stall: PartitionStall;
  /** Whether the partition still waits for its store (false once a new task recovered). */
  active: boolean;
  lastFailure: number;
}

/**
 * The partitions whose table store the disk refuses (issue 26, "disk and data"): why, since
 * when and how often they started over, and how long the next attempt waits (0.5, 1, 2, 4, 8 s,
 * then every 10 s for as long as the disk stays unavailable — never a spin, never a give-up).
 * Each attempt is logged once; the end of a stall too.
 */
export class PartitionStalls {
  private readonly entries = new Map<number, Entry>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** A store of `partition` failed: records it and returns how long to wait before starting over. */
  failed(partition: number, error: StorageUnavailable): number {
    const now = this.now();
    const previous = this.entries.get(partition);
    const recent = previous !== undefined && now - previous.lastFailure < FORGET_AFTER_MS;
    const attempts = recent ? previous.stall.attempts + 1 : 1;
    const since = previous?.active ? previous.stall.since : new Date(now).toISOString();
    const stall: PartitionStall = { reason: error.message, code: error.code, since, attempts };
    this.entries.set(partition, { stall, active: true, lastFailure: now });
    const delayMs = stallRetryDelay(attempts);
    this.logger.warn(
      { partition, attempt: attempts, delayMs, code: error.code, store: error.store, since, err: error },
      'table store unavailable: the partition stalls and starts over',
    );
    return delayMs;
  }

  /** A task of `partition` recovered: the stall (if any) is over; the backoff is remembered a while. */
  recovered(partition: number): void {
    const entry = this.entries.get(partition);
    if (!entry?.active) return;
    entry.active = false;
    this.logger.info(
      { partition, attempts: entry.stall.attempts, since: entry.stall.since, code: entry.stall.code },
      'table store available again: the partition runs',
    );
  }

  /** The partition's stall while it lasts. */
  get(partition: number): PartitionStall | undefined {
    const entry = this.entries.get(partition);
    return entry?.active ? entry.stall : undefined;
  }

  /** The partition left this member. */
  forget(partition: number): void {
    this.entries.delete(partition);
  }
}
