import type { OutgoingRecord, RecordMetadata } from '../cluster/cluster.ts';
import type { Effects } from '../context.ts';
import type { SendTarget } from '../producer/batching-producer.ts';
import type { EffectsOutcome, MessageDone } from './message-done.ts';
import type { EffectsRuntime } from './runtime.ts';
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
  /** A callback's effects; `done.finish()` runs once all of them are acknowledged. */
  apply(key: string, keyBytes: Buffer | null, effects: Effects, done: MessageDone): void;
  /** A record the error policy sends to the dead-letter topic instead of the message's effects. */
  deadLetter(record: OutgoingRecord, done: MessageDone): void;
  /** A message of `topic` at `offset` was handled (exactly-once commits the next offset). */
  consumed(topic: string, offset: number): void;
  /** The end of a delivered batch (exactly-once commits its transaction here). */
  endBatch(): Promise<void>;
  /** Sends what is held back and resolves once no effect is in flight. */
  settle(): Promise<void>;
  /**
   * The membership lease ran out: drops the writes held back (they never reach Kafka; their
   * messages never finish, so their offsets are never committed). Returns how many.
   */
  discard(error: Error): number;
  /** Transactions committed (exactly-once; 0 otherwise). */
  readonly committedTransactions: number;
  /** Records those transactions carried. */
  readonly transactionRecords: number;
  /** Table writes replaced by a later write of their key before they were sent (coalescing). */
  readonly coalescedWrites: number;
}

/**
 * At-least-once: every effect goes to the processor's batching producer at once, except table
 * writes when coalescing is on (they wait in a `WriteCoalescer` for later writes of their key).
 * A failed produce calls `onFailure` (the partition stops; the producer's sticky error fails
 * everything queued behind it).
 */
export class SendingEffects implements EffectWriter, EffectsOutcome {
  table: TableState | undefined;
  /** Messages whose effects are not all acknowledged yet. */
  private inFlight = 0;
  private settled: (() => void) | undefined;
  private readonly coalescer: WriteCoalescer | undefined;
  /** Set by `discard`: the task's lease ran out, nothing of it is written any more. */
  private lapse: Error | undefined;
  readonly committedTransactions = 0;
  readonly transactionRecords = 0;
  coalescedWrites = 0;

  constructor(
    private readonly runtime: EffectsRuntime,
    private readonly partition: number,
    private readonly onFailure: (error: Error) => void,
  ) {
    this.coalescer = runtime.coalesce
      ? new WriteCoalescer(runtime.coalesce, (key, value, waiters) =>
          this.sendTableWrite(key, null, value, waiters),
        )
      : undefined;
  }

  apply(key: string, keyBytes: Buffer | null, effects: Effects, done: MessageDone): void {
    const table = effects.table !== undefined;
    const records = effects.records;
    const pending = records.length + (table ? 1 : 0);
    if (pending === 0) {
      done.finish();
      return;
    }
    this.inFlight++;
    done.pending = pending;
    done.outcome = this;
    if (table) this.writeTable(key, keyBytes, effects.table as Buffer | null, done);
    for (const record of records) this.send(record, done);
  }

  deadLetter(record: OutgoingRecord, done: MessageDone): void {
    this.inFlight++;
    done.pending = 1;
    done.outcome = this;
    this.send(record, done);
  }

  /**
   * Hands a record to the producer — unless the lease ran out (`discard`): a callback that awaited
   * across the lapse finishes later, and its writes must not reach the producer (a field check:
   * the hot path's lease check is the one before each record; a write that a coalescing window
   * flushes after a freeze waits in the producer's queue, which the lapse drops, or reaches a
   * request, which the leased client refuses: leased-producer.ts).
   */
  private send(record: OutgoingRecord, target: SendTarget): void {
    if (this.lapse) target.sent(this.lapse, undefined);
    else this.runtime.producer.enqueue(record, target);
  }

  discard(error: Error): number {
    this.lapse = error;
    return this.coalescer?.discard(error) ?? 0;
  }

  effectsDone(done: MessageDone): void {
    done.finish();
    this.ended();
  }

  effectsFailed(_done: MessageDone, error: Error): void {
    this.ended();
    this.onFailure(error);
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

  private ended(): void {
    if (--this.inFlight === 0) this.settled?.();
  }

  private writeTable(key: string, keyBytes: Buffer | null, value: Buffer | null, done: MessageDone): void {
    if (this.coalescer) {
      // A held write of the key is replaced: the overlay keeps one pending write for it.
      const replacing = this.coalescer.holds(key);
      if (replacing) this.coalescedWrites++;
      this.table?.pending(key, value, replacing);
      this.coalescer.write(key, value, done);
      return;
    }
    this.table?.pending(key, value, false);
    this.sendTableWrite(key, keyBytes, value, done);
  }

  private sendTableWrite(
    key: string,
    keyBytes: Buffer | null,
    value: Buffer | null,
    waiters: WriteAcked | WriteAcked[],
  ): void {
    const { group } = this.runtime;
    this.send(
      {
        topic: group.table,
        partition: this.partition,
        // The input record's key bytes when there are any: no second UTF-8 encoding of the key.
        key: keyBytes ?? Buffer.from(key, 'utf8'),
        value,
      },
      new TableWrite(this, key, value, waiters),
    );
  }
}

/** A table write on its way to the changelog; its acknowledgement goes to the store. */
class TableWrite implements SendTarget {
  constructor(
    private readonly effects: SendingEffects,
    private readonly key: string,
    private readonly value: Buffer | null,
    private readonly waiters: WriteAcked | WriteAcked[],
  ) {}

  sent(error: Error | undefined, meta: RecordMetadata | undefined): void {
    if (!error) this.effects.table?.acked(this.key, this.value, meta!.offset);
    const waiters = this.waiters;
    if (Array.isArray(waiters)) for (const w of waiters) w.acked(error);
    else waiters.acked(error);
  }
}
