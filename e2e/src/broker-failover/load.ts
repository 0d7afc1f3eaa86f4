import type { Reply } from '@showcase/service-kit/testing';

/** One write request of the load: when it was sent, when it ended, how (0: no HTTP answer). */
export interface WriteRecord {
  readonly service: string;
  readonly what: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly status: number;
}

/** Sends one write, records it, and never throws (a refused or reset request is status 0). */
export type Write = <T>(what: string, call: () => Promise<Reply<T>>) => Promise<Reply<T | undefined>>;

export interface LoadSpec {
  /** One tick per `tickMs`: each service's step runs once (concurrently with earlier ticks). */
  readonly tickMs: number;
  /**
   * Steps of one service still running when a tick comes: above this the tick is skipped for it
   * (counted), as a client with a bounded connection pool would — a stalled broker must not
   * pile up thousands of open requests.
   */
  readonly maxInFlight: number;
  readonly steps: Readonly<Record<string, (tick: number, write: Write) => Promise<void>>>;
}

/**
 * A steady write load over HTTP: every `tickMs` each service gets its step; every request is
 * recorded with its start, end and status, so figures for any time window (an event) can be
 * computed afterwards.
 */
export class WriteLoad {
  readonly records: WriteRecord[] = [];
  readonly skipped = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private tick = 0;

  constructor(private readonly spec: LoadSpec) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.fire(), this.spec.tickMs);
    this.fire();
  }

  /** Stops ticking and waits for every step in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.running]);
  }

  private fire(): void {
    const tick = this.tick++;
    for (const [service, step] of Object.entries(this.spec.steps)) {
      const busy = this.inFlight.get(service) ?? 0;
      if (busy >= this.spec.maxInFlight) {
        this.skipped.set(service, (this.skipped.get(service) ?? 0) + 1);
        continue;
      }
      this.inFlight.set(service, busy + 1);
      const run = step(tick, this.writer(service))
        .catch(() => undefined) // a step's own bookkeeping must not stop the load
        .finally(() => {
          this.inFlight.set(service, (this.inFlight.get(service) ?? 1) - 1);
          this.running.delete(run);
        });
      this.running.add(run);
    }
  }

  private writer(service: string): Write {
    return async <T>(what: string, call: () => Promise<Reply<T>>) => {
      const startedAt = Date.now();
      let reply: Reply<T | undefined> = { status: 0, body: undefined };
      try {
        reply = await call();
      } catch {
        // refused, reset or timed out: status 0
      }
      this.records.push({ service, what, startedAt, endedAt: Date.now(), status: reply.status });
      return reply;
    };
  }
}
