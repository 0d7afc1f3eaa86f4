/**
 * The real time a processor's wall-clock timers follow. The system clock is the default; the
 * tester passes a `ManualClock` so tests advance time deterministically instead of sleeping.
 */
export interface WallClock {
  now(): number;
  /** Calls `fire` once at `at` (ms since epoch); returns a cancel function. */
  schedule(at: number, fire: () => Promise<void> | void): () => void;
}

export const systemClock: WallClock = {
  now: () => Date.now(),
  schedule(at, fire) {
    const handle = setTimeout(() => void fire(), Math.max(0, at - Date.now()));
    // A timer alone must not keep a process alive: the processor's consumer does that.
    handle.unref();
    return () => clearTimeout(handle);
  },
};

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => Promise<void> | void;
}

/** A clock that moves only when told to; fires what falls due in time order and awaits it. */
export class ManualClock implements WallClock {
  private time: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  schedule(at: number, fire: () => Promise<void> | void): () => void {
    const entry = { at, seq: this.seq++, fire };
    this.pending.push(entry);
    return () => {
      this.pending = this.pending.filter((p) => p !== entry);
    };
  }

  /** Moves the time by `ms`, firing every schedule that falls due on the way, each awaited. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      const due = this.pending.filter((p) => p.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.pending = this.pending.filter((p) => p !== due);
      this.time = Math.max(this.time, due.at);
      await due.fire();
    }
    this.time = end;
  }
}
