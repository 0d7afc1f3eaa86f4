import type { Store, StoreOp } from '../storage/storage.ts';
import { Overlay } from './overlay.ts';
import { ValueCache } from './value-cache.ts';

/**
 * The group table of one partition as the partition task sees it: the local store (never ahead
 * of the changelog), an overlay of values written but not yet acknowledged by the changelog, and
 * a cache of recent values. Reads look in that order. Acknowledged writes reach the store with
 * their changelog offset in one batch, one batch at a time: acknowledgements that arrive while a
 * batch is written gather into the next.
 */
export class TableState {
  private readonly overlay = new Overlay();
  private readonly cache: ValueCache;
  private ops: StoreOp[] = [];
  private keys: string[] = [];
  private offset = 0;
  private writing: Promise<void> | undefined;
  private flushScheduled = false;

  constructor(
    private readonly store: Store,
    cacheSize: number,
    cacheBytes: number,
    /** A store write failed: the partition cannot go on. */
    private readonly onWriteError: (error: unknown) => void,
  ) {
    this.cache = new ValueCache(cacheSize, cacheBytes);
  }

  /** After recovery: the store's checkpoint is where acknowledged writes continue. */
  async resume(): Promise<void> {
    this.offset = (await this.store.getOffset()) ?? 0;
  }

  /** The raw value of a key when it is at hand (overlay or cache); undefined: read the store. */
  peek(key: string): Buffer | null | undefined {
    const raw = this.overlay.get(key);
    return raw === undefined ? this.cache.get(key) : raw;
  }

  /** The raw value of a key (`null`: absent), from overlay, cache or store. */
  async read(key: string): Promise<Buffer | null> {
    let raw = this.overlay.get(key);
    if (raw === undefined) raw = this.cache.get(key);
    if (raw === undefined) {
      raw = (await this.store.get(key)) ?? null;
      this.cache.fill(key, raw);
    }
    return raw;
  }

  /** Reads the keys that are neither pending nor cached in one store request. */
  async prefetch(keys: Iterable<string>): Promise<void> {
    const missing = new Set<string>();
    for (const key of keys) if (this.overlay.get(key) === undefined && !this.cache.has(key)) missing.add(key);
    if (missing.size === 0) return;
    const list = [...missing];
    const values = await this.store.getMany(list);
    for (let i = 0; i < list.length; i++) this.cache.fill(list[i]!, values[i] ?? null);
  }

  /**
   * A value written by a callback, on its way to the changelog: visible to later reads at once.
   * `replacing`: it replaces a write of the key that was held back and never sent (coalescing),
   * so the key still waits for one acknowledgement, not two.
   */
  pending(key: string, value: Buffer | null, replacing: boolean): void {
    if (replacing) this.overlay.replace(key, value);
    else this.overlay.put(key, value);
    this.cache.set(key, value);
  }

  /** The changelog acknowledged a write at `offset`: it goes to the store in the next batch. */
  acked(key: string, value: Buffer | null, offset: number): void {
    this.ops.push(value === null ? { type: 'del', key } : { type: 'put', key, value });
    this.keys.push(key);
    this.offset = Math.max(this.offset, offset + 1);
    if (this.flushScheduled || this.writing) return;
    this.flushScheduled = true;
    // Acks of one produce request arrive together; gather them into one store batch.
    queueMicrotask(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  /** Writes what was acknowledged; one write at a time, the next takes all that arrived since. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.ops.length === 0) return;
    const ops = this.ops;
    const keys = this.keys;
    this.ops = [];
    this.keys = [];
    this.writing = this.store.write(ops, this.offset).then(
      () => {
        for (const key of keys) this.overlay.release(key);
      },
      (error: unknown) => this.onWriteError(error),
    );
    await this.writing;
    this.writing = undefined;
    if (this.ops.length > 0) await this.flush();
  }
}
