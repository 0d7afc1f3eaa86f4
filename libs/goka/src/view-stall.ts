import type { Logger } from './logger.ts';
import type { PartitionStall } from './processor/partition-stats.ts';
import type { StorageUnavailable } from './storage/storage-unavailable.ts';
import { stallRetryDelay } from './storage/storage-unavailable.ts';

/**
 * A view's stall on its stores (issue 26, "disk and data"): why, since when, how many attempts
 * to reopen them failed, and how long the next one waits (0.5, 1, 2, 4, 8 s, then every 10 s).
 * One log line per attempt, one when the stores work again.
 */
export class ViewStall {
  private current: PartitionStall | undefined;
  private lastError: StorageUnavailable | undefined;

  constructor(private readonly logger: Logger) {}

  /** The stall while it lasts (for stats). */
  get info(): PartitionStall | undefined {
    return this.current;
  }

  /** The store error of the stall: the cause of the `ViewUnavailable` reads get meanwhile. */
  get error(): StorageUnavailable | undefined {
    return this.lastError;
  }

  get attempts(): number {
    return this.current?.attempts ?? 0;
  }

  /** One more failed attempt; returns how long to wait before the next. */
  failed(error: StorageUnavailable): number {
    const attempts = this.attempts + 1;
    const since = this.current?.since ?? new Date().toISOString();
    this.current = { reason: error.message, code: error.code, since, attempts };
    this.lastError = error;
    const delayMs = stallRetryDelay(attempts);
    this.logger.warn(
      { attempt: attempts, delayMs, code: error.code, store: error.store, since, err: error },
      'view store unavailable: the view stalls and reopens its stores',
    );
    return delayMs;
  }

  /** The stores work again. */
  ended(): void {
    const stall = this.current;
    if (!stall) return;
    this.logger.info(
      { attempts: stall.attempts, since: stall.since, code: stall.code },
      'view store available again: the view runs',
    );
    this.current = undefined;
    this.lastError = undefined;
  }
}
