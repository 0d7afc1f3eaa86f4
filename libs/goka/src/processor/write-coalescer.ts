/** How long and how many bytes of table writes a partition may hold back to coalesce them. */
export interface CoalesceOptions {
  /** The longest a table write waits for later writes of its key, in ms (the time bound). */
  readonly windowMs: number;
  /** Keys and values held back at most; reaching it sends everything held (the size bound). */
  readonly maxBytes: number;
}

export const DEFAULT_COALESCE: CoalesceOptions = { windowMs: 20, maxBytes: 1024 * 1024 };

/** The processor's `coalesce` option, checked: undefined when off. */
export function coalesceOptions(
  group: string,
  option: boolean | { readonly windowMs?: number; readonly maxBytes?: number } | undefined,
): CoalesceOptions | undefined {
  if (option === undefined || option === false) return undefined;
  const given = option === true ? {} : option;
  const windowMs = given.windowMs ?? DEFAULT_COALESCE.windowMs;
  const maxBytes = given.maxBytes ?? DEFAULT_COALESCE.maxBytes;
  if (!Number.isFinite(windowMs) || windowMs < 0) {
    throw new TypeError(`group "${group}": coalesce.windowMs must be a finite number >= 0`);
  }
  if (!Number.isFinite(maxBytes) || maxBytes <= 0) {
    throw new TypeError(`group "${group}": coalesce.maxBytes must be a finite number > 0`);
  }
  return { windowMs, maxBytes };
}

/** Told the changelog write's outcome, once per table write a callback made. */
export interface WriteAcked {
  acked(error: Error | undefined): void;
}

/** Sends one key's surviving write; `waiters` are every write it stands for, oldest first. */
export type SendWrite = (key: string, value: Buffer | null, waiters: WriteAcked[]) => void;

interface HeldWrite {
  readonly value: Buffer | null;
  readonly waiters: WriteAcked[];
  readonly size: number;
}

/**
 * Kafka Streams' record cache for one table partition: table writes wait up to `windowMs` (or
 * until `maxBytes` of them are held) and a later write of the same key replaces the earlier one,
 * so each key reaches the changelog (and the store) once per window, with its last value.
 * Surviving writes leave in the order of their last update, so the changelog holds a
 * subsequence of what it would hold without coalescing, in the same order.
 *
 * A replaced write is not lost for the offsets: its message's completion waits for the write
 * that replaced it (`waiters`), so no input offset is committed before the value that covers
 * its message is acknowledged.
 */
export class WriteCoalescer {
  private held = new Map<string, HeldWrite>();
  private bytes = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly options: CoalesceOptions,
    private readonly send: SendWrite,
  ) {}

  /** Whether a write of the key is held back (a new write of it replaces that one). */
  holds(key: string): boolean {
    return this.held.has(key);
  }

  /** Holds a write back; `acked` hears when the write that carries its value is acknowledged. */
  write(key: string, value: Buffer | null, acked: WriteAcked): void {
    const previous = this.held.get(key);
    let waiters: WriteAcked[];
    if (previous) {
      // Delete and set again: the key moves to the end, so writes leave in last-update order.
      this.held.delete(key);
      this.bytes -= previous.size;
      waiters = previous.waiters;
      waiters.push(acked);
    } else {
      waiters = [acked];
    }
    const size = 48 + key.length * 2 + (value?.length ?? 0);
    this.held.set(key, { value, waiters, size });
    this.bytes += size;
    if (this.bytes >= this.options.maxBytes) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.windowMs);
  }

  /** Sends everything held, in last-update order. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.held.size === 0) return;
    const held = this.held;
    this.held = new Map();
    this.bytes = 0;
    for (const [key, write] of held) this.send(key, write.value, write.waiters);
  }

  /**
   * Drops everything held: each write's waiters hear `error` (nothing reaches the changelog).
   * Returns how many writes were dropped.
   */
  discard(error: Error): number {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const held = this.held;
    this.held = new Map();
    this.bytes = 0;
    for (const write of held.values()) for (const w of write.waiters) w.acked(error);
    return held.size;
  }

  /** Writes held back now. */
  get size(): number {
    return this.held.size;
  }

  /** Bytes (keys and values) held back now. */
  get byteSize(): number {
    return this.bytes;
  }
}
