import type { KeyRange, Storage, Store, StoreOp } from '@showcase/goka';

/** Receives every value a store holds: what it had on open, then each applied write. */
export interface StoreTap {
  put(key: string, value: Buffer): void;
  delete(key: string): void;
}

/**
 * A storage whose stores report their contents to `tap`, so that an in-memory secondary index
 * (the search's grid) follows a view's table exactly: first the values a reopened store already
 * holds (a restarted instance recovers from its checkpoint, not from offset 0), then every write
 * once the store applied it — recovery and live updates alike. The index is therefore complete
 * exactly when the view reports `running`, which is what /readyz waits for.
 */
export function tappedStorage(inner: Storage, tap: StoreTap): Storage {
  return {
    description: `${inner.description} (tapped)`,
    async open(topic: string, partition: number): Promise<Store> {
      const store = await inner.open(topic, partition);
      for await (const [key, value] of store.iterate()) tap.put(key, value);
      return new TappedStore(store, tap);
    },
  };
}

class TappedStore implements Store {
  constructor(
    private readonly inner: Store,
    private readonly tap: StoreTap,
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
    for (const op of ops) {
      if (op.type === 'put') this.tap.put(op.key, op.value);
      else this.tap.delete(op.key);
    }
  }
  async clear(): Promise<void> {
    const keys: string[] = [];
    for await (const [key] of this.inner.iterate()) keys.push(key);
    await this.inner.clear();
    for (const key of keys) this.tap.delete(key);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
