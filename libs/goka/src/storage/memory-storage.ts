import { inRange, type KeyRange, type Storage, type Store, type StoreOp } from './storage.ts';

class MemoryStore implements Store {
  constructor(
    private readonly values: Map<string, Buffer>,
    private readonly checkpoint: { offset: number | undefined },
  ) {}
  private closed = false;

  async get(key: string) {
    this.assertOpen();
    return this.values.get(key);
  }
  async getMany(keys: readonly string[]) {
    this.assertOpen();
    return keys.map((k) => this.values.get(k));
  }
  async has(key: string) {
    this.assertOpen();
    return this.values.has(key);
  }
  async *iterate(range?: KeyRange): AsyncIterable<[string, Buffer]> {
    this.assertOpen();
    const keys = [...this.values.keys()].filter((k) => inRange(k, range)).sort();
    if (range?.reverse) keys.reverse();
    const limit = range?.limit ?? Number.POSITIVE_INFINITY;
    let n = 0;
    for (const key of keys) {
      if (n++ >= limit) return;
      const value = this.values.get(key);
      if (value !== undefined) yield [key, value];
    }
  }
  async write(ops: readonly StoreOp[], offset: number) {
    this.assertOpen();
    for (const op of ops) {
      if (op.type === 'put') this.values.set(op.key, op.value);
      else this.values.delete(op.key);
    }
    this.checkpoint.offset = offset;
  }
  async getOffset() {
    this.assertOpen();
    return this.checkpoint.offset;
  }
  async clear() {
    this.values.clear();
    this.checkpoint.offset = undefined;
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
  const partitions = new Map<
    string,
    { values: Map<string, Buffer>; checkpoint: { offset: number | undefined } }
  >();
  return {
    description: 'memory',
    async open(topic, partition) {
      const id = `${topic}/${partition}`;
      let state = partitions.get(id);
      if (!state) {
        state = { values: new Map(), checkpoint: { offset: undefined } };
        partitions.set(id, state);
      }
      return new MemoryStore(state.values, state.checkpoint);
    },
  };
}
