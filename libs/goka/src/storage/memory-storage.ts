import { inRange, type KeyRange, type Storage, type Store, type StoreOp } from './storage.ts';

/**
 * Keys in order, kept cheaply under heavy writes: new keys gather unsorted and are merged into
 * the sorted array on the next iteration (one sort of what is new, not of everything); deleted
 * keys are dropped at that merge. Inserting each key into a sorted array would cost a shift of
 * the array per key, which a recovery of hundreds of thousands of keys cannot afford.
 */
class OrderedKeys {
  private sorted: string[] = [];
  private readonly added = new Set<string>();
  private removed = 0;

  add(key: string): void {
    this.added.add(key);
  }

  remove(): void {
    this.removed++;
  }

  clear(): void {
    this.sorted = [];
    this.added.clear();
    this.removed = 0;
  }

  /** The sorted keys, merged with what was added and without what `has` denies. */
  keys(has: (key: string) => boolean): readonly string[] {
    if (this.added.size === 0 && this.removed === 0) return this.sorted;
    const fresh = [...this.added].filter((k) => has(k)).sort();
    const merged: string[] = [];
    let i = 0;
    let j = 0;
    const old = this.sorted;
    while (i < old.length || j < fresh.length) {
      const a = old[i];
      const b = fresh[j];
      if (b === undefined || (a !== undefined && a < b)) {
        if (has(a!)) merged.push(a!);
        i++;
      } else if (a === b) {
        merged.push(b);
        i++;
        j++;
      } else {
        merged.push(b);
        j++;
      }
    }
    this.sorted = merged;
    this.added.clear();
    this.removed = 0;
    return merged;
  }
}

interface PartitionState {
  values: Map<string, Buffer>;
  order: OrderedKeys;
  checkpoint: { offset: number | undefined };
}

/** First index in `keys` whose key is not below the range's lower bound. */
function lowerBound(keys: readonly string[], range: KeyRange | undefined): number {
  const bound = range?.gte ?? range?.gt;
  if (bound === undefined) return 0;
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class MemoryStore implements Store {
  constructor(private readonly state: PartitionState) {}
  private closed = false;

  async get(key: string) {
    this.assertOpen();
    return this.state.values.get(key);
  }
  async getMany(keys: readonly string[]) {
    this.assertOpen();
    return keys.map((k) => this.state.values.get(k));
  }
  async has(key: string) {
    this.assertOpen();
    return this.state.values.has(key);
  }
  async *iterate(range?: KeyRange): AsyncIterable<[string, Buffer]> {
    this.assertOpen();
    const { values } = this.state;
    const keys = this.state.order.keys((k) => values.has(k));
    const limit = range?.limit ?? Number.POSITIVE_INFINITY;
    let n = 0;
    if (range?.reverse) {
      for (let i = keys.length - 1; i >= 0 && n < limit; i--) {
        const key = keys[i]!;
        if (!inRange(key, range)) continue;
        const value = values.get(key);
        if (value === undefined) continue;
        n++;
        yield [key, value];
      }
      return;
    }
    for (let i = lowerBound(keys, range); i < keys.length && n < limit; i++) {
      const key = keys[i]!;
      if (!inRange(key, range)) {
        if ((range?.lt !== undefined && key >= range.lt) || (range?.lte !== undefined && key > range.lte))
          return;
        continue;
      }
      const value = values.get(key);
      if (value === undefined) continue;
      n++;
      yield [key, value];
    }
  }
  async write(ops: readonly StoreOp[], offset: number) {
    this.assertOpen();
    const { values, order } = this.state;
    for (const op of ops) {
      if (op.type === 'put') {
        // A copy: a record's value is a slice of the whole fetch response, which a stored
        // slice would keep alive for as long as the key lives.
        if (!values.has(op.key)) order.add(op.key);
        values.set(op.key, Buffer.from(op.value));
      } else if (values.delete(op.key)) {
        order.remove();
      }
    }
    this.state.checkpoint.offset = offset;
  }
  async getOffset() {
    this.assertOpen();
    return this.state.checkpoint.offset;
  }
  async clear() {
    this.state.values.clear();
    this.state.order.clear();
    this.state.checkpoint.offset = undefined;
  }
  async close() {
    this.closed = true;
  }
  private assertOpen() {
    if (this.closed) throw new Error('store is closed');
  }
}

/**
 * In-process stores. Data outlives `close()` within the same storage object, so a processor
 * restarted on the same `memoryStorage()` resumes from its checkpoint like it would on LevelDB.
 */
export function memoryStorage(): Storage {
  const partitions = new Map<string, PartitionState>();
  return {
    description: 'memory',
    async open(topic, partition) {
      const id = `${topic}/${partition}`;
      let state = partitions.get(id);
      if (!state) {
        state = { values: new Map(), order: new OrderedKeys(), checkpoint: { offset: undefined } };
        partitions.set(id, state);
      }
      return new MemoryStore(state);
    },
  };
}
