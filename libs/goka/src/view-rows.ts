import type { Codec } from './codec.ts';
import type { KeyRange, Storage, Store, StoreOp } from './storage/storage.ts';

/** A row of a table as a view holds it; `value` undefined: the key was deleted (or never decoded). */
export type RowListener<T> = (key: string, value: T | undefined) => void;

/** A view subscription (`View.subscribe`). */
export interface RowSubscription {
  /**
   * Resolves once the listener has had every row of the table (the initial snapshot) and the
   * view runs; rejects when the view fails or stops first.
   */
  readonly snapshotted: Promise<void>;
  /** No more rows for this listener. */
  close(): void;
}

export interface Subscriber<T> {
  readonly onRow: RowListener<T>;
  /** While its snapshot is read: the keys already delivered since it subscribed (they win). */
  written: Set<string> | undefined;
}

/**
 * The rows of a view's stores, for its subscribers: every write a store applies (recovery and
 * live alike, a cleared store as deletes) reaches them once the store has it. A subscriber that
 * came before the stores opened also gets what each store held on opening (a restarted instance
 * recovers from its checkpoint, not from offset 0); a later one reads the stores once instead,
 * skipping the keys written since it subscribed. Costs nothing while nobody subscribes.
 */
export class ViewRows<T> {
  private readonly subscribers = new Set<Subscriber<T>>();

  constructor(private readonly codec: Codec<T>) {}

  /** `snapshot`: the subscriber reads the stores itself (`snapshot()`), the view's stores are open. */
  add(onRow: RowListener<T>, snapshot: boolean): Subscriber<T> {
    const subscriber: Subscriber<T> = { onRow, written: snapshot ? new Set() : undefined };
    this.subscribers.add(subscriber);
    return subscriber;
  }

  remove(subscriber: Subscriber<T>): void {
    this.subscribers.delete(subscriber);
  }

  /** Delivers the stores' rows that were not written since `subscriber` came. */
  async snapshot(subscriber: Subscriber<T>, stores: readonly Store[]): Promise<void> {
    for (const store of stores) {
      for await (const [key, raw] of store.iterate()) {
        if (!this.subscribers.has(subscriber)) return;
        if (!subscriber.written?.has(key)) subscriber.onRow(key, this.decode(raw));
      }
    }
    subscriber.written = undefined;
  }

  /** `inner`, its stores reporting to the subscribers. */
  storage(inner: Storage): Storage {
    return {
      description: inner.description,
      open: async (topic, partition) => {
        const store = await inner.open(topic, partition);
        const opening = [...this.subscribers].filter((s) => s.written === undefined);
        if (opening.length > 0) {
          for await (const [key, raw] of store.iterate()) {
            const value = this.decode(raw);
            for (const s of opening) s.onRow(key, value);
          }
        }
        return new ReportingStore(store, this);
      },
    };
  }

  get listening(): boolean {
    return this.subscribers.size > 0;
  }

  emit(key: string, raw: Buffer | undefined): void {
    const value = raw === undefined ? undefined : this.decode(raw);
    for (const s of this.subscribers) {
      s.written?.add(key);
      s.onRow(key, value);
    }
  }

  /** A value that does not decode is no row (the view counts and logs it where it reads it). */
  private decode(raw: Buffer): T | undefined {
    try {
      return this.codec.decode(raw);
    } catch {
      return undefined;
    }
  }
}

class ReportingStore<T> implements Store {
  constructor(
    private readonly inner: Store,
    private readonly rows: ViewRows<T>,
  ) {}

  get(key: string): Promise<Buffer | undefined> {
    return this.inner.get(key);
  }
  getMany(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    return this.inner.getMany(keys);
  }
  has(key: string): Promise<boolean> {
    return this.inner.has(key);
  }
  iterate(range?: KeyRange): AsyncIterable<[string, Buffer]> {
    return this.inner.iterate(range);
  }
  getOffset(): Promise<number | undefined> {
    return this.inner.getOffset();
  }
  async write(ops: readonly StoreOp[], offset: number): Promise<void> {
    await this.inner.write(ops, offset);
    if (!this.rows.listening) return;
    for (const op of ops) this.rows.emit(op.key, op.type === 'put' ? op.value : undefined);
  }
  async clear(): Promise<void> {
    const keys: string[] = [];
    if (this.rows.listening) for await (const [key] of this.inner.iterate()) keys.push(key);
    await this.inner.clear();
    for (const key of keys) this.rows.emit(key, undefined);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
