import type { Logger } from './logger.ts';

export interface RecoverySnapshot {
  readonly done: number;
  readonly total: number;
  /** Records per second since recovery started. */
  readonly rate: number;
  readonly elapsedMs: number;
  readonly finished: boolean;
}

/**
 * Progress of replaying changelogs: records done of total, rate. Logs at most once a second so
 * a million-record recovery is visible without flooding the log.
 */
export class RecoveryProgress {
  private done = 0;
  private total = 0;
  private startedAt = 0;
  private finishedAt = 0;
  private lastLog = 0;

  constructor(
    private readonly what: string,
    private readonly logger: Logger,
  ) {}

  expect(records: number): void {
    if (this.total === 0 && this.done === 0) this.startedAt = Date.now();
    this.total += records;
    this.finishedAt = 0;
  }

  advance(records: number): void {
    this.done += records;
    const now = Date.now();
    if (now - this.lastLog >= 1000 && this.total > 0) {
      this.lastLog = now;
      this.logger.info({ recovery: this.snapshot() }, `${this.what}: recovering`);
    }
  }

  finish(): void {
    if (this.finishedAt) return;
    this.finishedAt = Date.now();
    if (this.total > 0) this.logger.info({ recovery: this.snapshot() }, `${this.what}: recovered`);
  }

  snapshot(): RecoverySnapshot {
    const end = this.finishedAt || Date.now();
    const elapsedMs = this.startedAt ? end - this.startedAt : 0;
    return {
      done: this.done,
      total: this.total,
      rate: elapsedMs > 0 ? Math.round((this.done * 1000) / elapsedMs) : 0,
      elapsedMs,
      finished: this.finishedAt > 0,
    };
  }
}
