import type { OutgoingRecord } from '../cluster/cluster.ts';
import type { Effects } from '../context.ts';
import type { ProcessorRuntime } from './runtime.ts';
import type { TableState } from './table-state.ts';
import { type WriteAcked, WriteCoalescer } from './write-coalescer.ts';

/**
 * How a partition task's effects leave it: table writes, emits, loopbacks and dead letters go
 * to Kafka, and each message is `finish`ed once all of its effects are acknowledged (only then
 * may its input offset be committed). Two implementations: at-least-once (`SendingEffects`,
 * here: effects are sent as they happen) and exactly-once (`TransactionEffects`: each delivered
 * batch in one transaction).
 */
export interface EffectWriter {
  /** The group table, once recovered; its writes go through here. */
  table: TableState | undefined;
  /** A callback's effects; `finish` runs once all of them are acknowledged. */
  apply(key: string, effects: Effects, finish: () => void): void;
  /** A record the error policy sends to the dead-letter topic instead of the message's effects. */
  deadLetter(record: OutgoingRecord, finish: () => void): void;
  /** A message of `topic` at `offset` was handled (exactly-once commits the next offset). */
  consumed(topic: string, offset: number): void;
  /** The end of a delivered batch (exactly-once commits its transaction here). */
  endBatch(): Promise<void>;
  /** Sends what is held back and resolves once no effect is in flight. */
  settle(): Promise<void>;
  /** Transactions committed (exactly-once; 0 otherwise). */
  readonly committedTransactions: number;
  /** Table writes replaced by a later write of their key before they were sent (coalescing). */
  readonly coalescedWrites: number;
}

/**
 * At-least-once: every effect goes to the processor's batching producer at once, except table
 * writes when coalescing is on (they wait in a `WriteCoalescer` for later writes of their key).
 * A failed produce calls `onFailure` (the partition stops; the producer's sticky error fails
 * everything queued behind it).
 */
export class SendingEffects implements EffectWriter {
  table: TableState | undefined;
  /** Messages whose effects are not all acknowledged yet. */
  private inFlight = 0;
  private settled: (() => void) | undefined;
  private readonly coalescer: WriteCoalescer | undefined;
  readonly committedTransactions = 0;
  coalescedWrites = 0;

  constructor(
    private readonly rt: ProcessorRuntime,
    private readonly partition: number,
    private readonly onFailure: (error: Error) => void,
  ) {
    this.coalescer = rt.coalesce
      ? new WriteCoalescer(rt.coalesce, (key, value, waiters) => this.sendTableWrite(key, value, waiters))
      : undefined;
  }

  apply(key: string, effects: Effects, finish: () => void): void {
    const table = effects.table !== undefined;
    let pending = effects.records.length + (table ? 1 : 0);
    if (pending === 0) {
      finish();
      return;
    }
    this.inFlight++;
    let failed = false;
    const acked = (error: Error | undefined) => {
      if (failed) return;
      if (error) {
        failed = true;
        this.done();
        this.onFailure(error);
        return;
      }
      if (--pending === 0) {
        finish();
        this.done();
      }
    };
    if (table) this.writeTable(key, effects.table as Buffer | null, acked);
    const { producer } = this.rt;
    for (const record of effects.records) producer.enqueue(record, acked);
  }

  deadLetter(record: OutgoingRecord, finish: () => void): void {
    this.inFlight++;
    this.rt.producer.enqueue(record, (error) => {
      if (error) this.onFailure(error);
      else finish();
      this.done();
    });
  }

  consumed(): void {}

  async endBatch(): Promise<void> {}

  async settle(): Promise<void> {
    this.coalescer?.flush();
    while (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        this.settled = resolve;
      });
      this.settled = undefined;
    }
  }

  private done(): void {
    if (--this.inFlight === 0) this.settled?.();
  }

  private writeTable(key: string, value: Buffer | null, acked: WriteAcked): void {
    if (this.coalescer) {
      // A held write of the key is replaced: the overlay keeps one pending write for it.
      const replacing = this.coalescer.holds(key);
      if (replacing) this.coalescedWrites++;
      this.table?.pending(key, value, replacing);
      this.coalescer.write(key, value, acked);
      return;
    }
    this.table?.pending(key, value, false);
    this.sendTableWrite(key, value, acked);
  }

  private sendTableWrite(key: string, value: Buffer | null, waiters: WriteAcked | WriteAcked[]): void {
    const { group, producer } = this.rt;
    producer.enqueue(
      { topic: group.table, partition: this.partition, key: Buffer.from(key, 'utf8'), value },
      (error, meta) => {
        if (!error) this.table?.acked(key, value, meta!.offset);
        if (typeof waiters === 'function') waiters(error);
        else for (const w of waiters) w(error);
      },
    );
  }
}
