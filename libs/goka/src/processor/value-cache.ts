/**
 * Recently read or written table values of one partition (`null`: known to be absent). The
 * partition task is the only writer of its table partition, so a cached value can never be
 * stale; the cache only spares the store a read. Least recently used entries leave first.
 */
export class ValueCache {
  private readonly entries = new Map<string, Buffer | null>();

  constructor(private readonly capacity: number) {}

  get(key: string): Buffer | null | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: re-inserting marks the key most recently used.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(key: string, value: Buffer | null): void {
    if (this.capacity <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  /** Fills a key read from the store unless a newer value got there first. */
  fill(key: string, value: Buffer | null): void {
    if (!this.entries.has(key)) this.set(key, value);
  }

  get size(): number {
    return this.entries.size;
  }
}
