/**
 * Emit -> table updated, observed through a View's 'update' events. Every emitted message is
 * matched to the update it causes: a key's updates arrive in the order its messages were sent
 * (one partition, one key at a time), so each key keeps a FIFO of send times.
 *
 * Latency runs from the time a message was *scheduled* to be sent, not from when the sender got
 * round to it: a sender that falls behind must not hide the delay (coordinated omission).
 */
import { nowMs, Samples } from './stats.ts';

export class UpdateProbe {
  private readonly pending = new Map<string, number[]>();
  readonly samples = new Samples(16_384);
  private expected = 0;
  private received = 0;
  private lastUpdate = 0;
  private waiter: (() => void) | undefined;

  /** A message to `key` was (to be) sent at `scheduledMs` (nowMs clock). */
  sent(key: string, scheduledMs: number): void {
    const queue = this.pending.get(key);
    if (queue) queue.push(scheduledMs);
    else this.pending.set(key, [scheduledMs]);
    this.expected++;
  }

  /** The view applied an update of `key`; updates of keys never sent here are ignored. */
  updated(key: string): void {
    const queue = this.pending.get(key);
    const scheduled = queue?.shift();
    if (scheduled === undefined) return;
    if (queue!.length === 0) this.pending.delete(key);
    const now = nowMs();
    this.samples.add(now - scheduled);
    this.received++;
    this.lastUpdate = now;
    if (this.received >= this.expected) this.waiter?.();
  }

  get outstanding(): number {
    return this.expected - this.received;
  }

  get lastUpdateMs(): number {
    return this.lastUpdate;
  }

  get count(): number {
    return this.received;
  }

  /** Resolves true once every sent message was seen, false after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<boolean> {
    if (this.received >= this.expected) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(false);
      }, timeoutMs);
      this.waiter = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(true);
      };
    });
  }
}

export interface OfferOptions {
  /** Messages per second. */
  readonly rate: number;
  readonly durationMs: number;
  /** Stop offering when this many messages are still unanswered (the system cannot keep up). */
  readonly maxOutstanding: number;
  readonly outstanding: () => number;
  /** Sends message i, scheduled at `scheduledMs`. Must not block; errors are the caller's. */
  readonly send: (i: number, scheduledMs: number) => void;
}

export interface Offered {
  readonly scheduled: number;
  readonly sent: number;
  readonly firstMs: number;
  /** True when the run was cut short because too many messages were unanswered. */
  readonly saturated: boolean;
}

/** Sends `rate` messages per second for `durationMs`, on a 1 ms timer, catching up in bursts. */
export async function offer(o: OfferOptions): Promise<Offered> {
  const total = Math.max(1, Math.round((o.rate * o.durationMs) / 1000));
  const interval = 1000 / o.rate;
  const start = nowMs();
  let i = 0;
  let saturated = false;
  while (i < total) {
    const due = Math.min(total, Math.floor((nowMs() - start) / interval) + 1);
    for (; i < due; i++) {
      if (o.outstanding() >= o.maxOutstanding) {
        saturated = true;
        break;
      }
      o.send(i, start + i * interval);
    }
    if (saturated) break;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return { scheduled: total, sent: i, firstMs: start, saturated };
}
