import type { PartitionLog, StoredRecord } from './partition-log.ts';

/** A loop that delivers records of some partitions to a callback until stopped. */
export class Pump {
  private active = true;
  private busy = false;
  private readonly done: Promise<void>;
  private wakeCurrent: (() => void) | undefined;

  private sources: { log: PartitionLog; position: number }[] = [];
  private stopped!: () => void;

  /**
   * `sources` is called once `gate` resolved (at once without a gate): a group member's positions
   * are its committed offsets as of when its partition became ready, like Kafka's fetch after
   * `ready`. A gate that rejects ends the pump without delivering.
   */
  constructor(
    sources: () => { log: PartitionLog; position: number }[],
    private readonly maxBatch: number,
    private readonly deliver: (records: StoredRecord[]) => Promise<void>,
    private readonly onError: (error: Error) => void,
    gate?: Promise<void>,
  ) {
    if (!gate) this.sources = sources();
    const stop = new Promise<boolean>((resolve) => {
      this.stopped = () => resolve(false);
    });
    this.done = gate
      ? Promise.race([gate.then(() => true), stop]).then(
          (go) => {
            if (!go || !this.active) return;
            this.sources = sources();
            return this.run();
          },
          () => undefined,
        )
      : this.run();
  }

  get caughtUp(): boolean {
    return !this.busy && this.sources.every((s) => s.position >= s.log.high);
  }

  private async run(): Promise<void> {
    while (this.active) {
      const batch = this.collect();
      if (batch.length === 0) {
        await new Promise<void>((resolve) => {
          const unlisten = this.sources.map((s) => s.log.listen(wake));
          function wake() {
            for (const u of unlisten) u();
            resolve();
          }
          this.wakeCurrent = wake;
        });
        this.wakeCurrent = undefined;
        continue;
      }
      this.busy = true;
      try {
        await this.deliver(batch);
      } catch (error) {
        this.active = false;
        this.onError(error instanceof Error ? error : new Error(String(error)));
      } finally {
        this.busy = false;
      }
    }
  }

  /** Next records across all sources in the order they were appended. */
  private collect(): StoredRecord[] {
    if (this.sources.length === 1) {
      const s = this.sources[0]!;
      const records = s.log.read(s.position, this.maxBatch);
      if (records.length > 0) s.position = records[records.length - 1]!.offset + 1;
      return records;
    }
    const pending = this.sources.map((s) => ({ s, records: s.log.read(s.position, this.maxBatch), i: 0 }));
    const out: StoredRecord[] = [];
    while (out.length < this.maxBatch) {
      let best: (typeof pending)[number] | undefined;
      for (const p of pending) {
        const r = p.records[p.i];
        if (r && (!best || r.seq < best.records[best.i]!.seq)) best = p;
      }
      if (!best) break;
      const r = best.records[best.i++]!;
      best.s.position = r.offset + 1;
      out.push(r);
    }
    return out;
  }

  async stop(): Promise<void> {
    this.active = false;
    this.stopped();
    this.wakeCurrent?.();
    await this.done;
  }
}
