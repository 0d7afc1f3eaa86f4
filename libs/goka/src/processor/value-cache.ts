/**
 * Recently read or written table values of one partition (`null`: known to be absent). The
 * partition task is the only writer of its table partition, so a cached value can never be
 * stale; the cache only spares the store a read. Least recently used entries leave first, once
 * either bound is exceeded: the number of entries or their bytes (keys and values), so a table
 * of large values cannot fill the heap through a cache sized in entries.
 *
 * A value is kept in memory of its own. Codecs that encode through `Buffer.from(string)` hand
 * out slices of Node's shared 8 KiB pool: a cached 200-byte slice kept its whole slab alive, and
 * a soak's edge-set held 6,387 slabs (50 MiB, growing with the keys touched) while the byte
 * bound counted 200 bytes for each.
 */
export class ValueCache {
  private readonly entries = new Map<string, Buffer | null>();
  private bytes = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {}

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
    if (this.capacity <= 0 || this.maxBytes <= 0) return;
    this.remove(key);
    const size = sizeOf(key, value);
    if (size > this.maxBytes) return;
    this.entries.set(key, value === null ? null : owned(value));
    this.bytes += size;
    while (this.entries.size > this.capacity || this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.remove(oldest.value);
    }
  }

  /** Fills a key read from the store unless a newer value got there first. */
  fill(key: string, value: Buffer | null): void {
    if (!this.entries.has(key)) this.set(key, value);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes of the cached keys and values. */
  get byteSize(): number {
    return this.bytes;
  }

  private remove(key: string): void {
    const old = this.entries.get(key);
    if (old === undefined && !this.entries.has(key)) return;
    this.entries.delete(key);
    this.bytes -= sizeOf(key, old ?? null);
  }
}

/** `b` itself when it spans its whole ArrayBuffer, else a copy that does. */
function owned(b: Buffer): Buffer {
  if (b.byteLength === b.buffer.byteLength) return b;
  const copy = Buffer.allocUnsafeSlow(b.byteLength);
  b.copy(copy);
  return copy;
}

function sizeOf(key: string, value: Buffer | null): number {
  // Keys are JS strings (two bytes a character); a small constant for the entry itself.
  return 48 + key.length * 2 + (value?.length ?? 0);
}
