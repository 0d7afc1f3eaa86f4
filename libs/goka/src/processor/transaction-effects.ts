import type { OutgoingRecord, RecordMetadata, TransactionalProducer } from '../cluster/cluster.ts';
import type { Effects } from '../context.ts';
import type { EffectWriter } from './effect-writer.ts';
import type { MessageDone } from './message-done.ts';
import { TransactionFailed } from './restart-budget.ts';
import type { EffectsRuntime } from './runtime.ts';
import type { TableState } from './table-state.ts';

interface TxEntry {
  readonly record: OutgoingRecord;
  readonly table?: { readonly key: string; readonly value: Buffer | null };
  /** Coalescing: a later write of the same key in this transaction replaced this one. */
  replaced?: boolean;
}

/**
 * Exactly-once: a delivered batch's table writes, emits, loopbacks, dead letters and input
 * offsets go out in one Kafka transaction; the store follows the commit, and the batch's
 * messages finish together. With coalescing on, the window is the transaction: a key written
 * several times in one batch goes to the changelog once, with its last value, at the place of
 * its last write.
 */
export class TransactionEffects implements EffectWriter {
  table: TableState | undefined;
  private entries: TxEntry[] = [];
  private finishes: MessageDone[] = [];
  private readonly offsets = new Map<string, number>();
  /** Coalescing: the entry of each key's latest write in the open transaction. */
  private readonly latest: Map<string, TxEntry> | undefined;
  private transactions = 0;
  transactionRecords = 0;
  coalescedWrites = 0;

  constructor(
    private readonly runtime: EffectsRuntime,
    private readonly partition: number,
    private readonly producer: TransactionalProducer,
  ) {
    this.latest = runtime.coalesce ? new Map() : undefined;
  }

  get committedTransactions(): number {
    return this.transactions;
  }

  apply(key: string, keyBytes: Buffer | null, effects: Effects, done: MessageDone): void {
    if (effects.table !== undefined) {
      const value = effects.table;
      const previous = this.latest?.get(key);
      this.table?.pending(key, value, previous !== undefined);
      const entry: TxEntry = {
        record: {
          topic: this.runtime.group.table,
          partition: this.partition,
          key: keyBytes ?? Buffer.from(key, 'utf8'),
          value,
        },
        table: { key, value },
      };
      if (previous) {
        previous.replaced = true;
        this.coalescedWrites++;
      }
      this.latest?.set(key, entry);
      this.entries.push(entry);
    }
    for (const record of effects.records) this.entries.push({ record });
    this.finishes.push(done);
  }

  deadLetter(record: OutgoingRecord, done: MessageDone): void {
    this.entries.push({ record });
    this.finishes.push(done);
  }

  consumed(topic: string, offset: number): void {
    this.offsets.set(topic, offset + 1);
  }

  /** The batch's effects and input offsets in one transaction, then the store. */
  async endBatch(): Promise<void> {
    const entries = this.latest ? this.entries.filter((e) => !e.replaced) : this.entries;
    const finishes = this.finishes;
    const offsets = [...this.offsets].map(([topic, offset]) => ({
      topic,
      partition: this.partition,
      offset,
    }));
    this.entries = [];
    this.finishes = [];
    this.offsets.clear();
    this.latest?.clear();
    if (entries.length === 0 && offsets.length === 0) return;
    let metas: RecordMetadata[];
    try {
      metas = await this.producer.commit(
        entries.map((e) => e.record),
        this.runtime.group.name,
        offsets,
      );
    } catch (error) {
      // The transaction is aborted: nothing of the batch remains. The task is done for (its
      // pending table values and positions are ahead of the committed state); the processor
      // decides whether a new task starts over from the committed state or the processor fails.
      throw new TransactionFailed(
        `group "${this.runtime.group.name}": the transaction of partition ${this.partition} failed: ${
          error instanceof Error ? error.message : String(error)
        }`,
        error,
      );
    }
    this.transactions++;
    this.transactionRecords += entries.length;
    entries.forEach((e, i) => {
      if (e.table) this.table?.acked(e.table.key, e.table.value, metas[i]!.offset);
    });
    for (const done of finishes) done.finish();
  }

  /** Every batch commits before `process` returns: nothing is ever left in flight. */
  async settle(): Promise<void> {}

  /** Exactly-once has no membership lease: a zombie's transaction is fenced by the next owner. */
  discard(): number {
    return 0;
  }
}
