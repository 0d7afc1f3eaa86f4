/**
 * Table writes that the changelog has not yet acknowledged or that are not yet in the store.
 * Reads look here first, so a callback always sees its own earlier writes, while the store only
 * ever holds what the changelog has (the store is never ahead of the changelog).
 */
export class Overlay {
  private readonly entries = new Map<string, { value: Buffer | null; pending: number }>();

  /** A new write for the key; `null` is a delete. */
  put(key: string, value: Buffer | null): void {
    const entry = this.entries.get(key);
    if (entry) {
      entry.value = value;
      entry.pending++;
    } else {
      this.entries.set(key, { value, pending: 1 });
    }
  }

  /** A new value for a key whose pending write it replaces (that write is never sent). */
  replace(key: string, value: Buffer | null): void {
    const entry = this.entries.get(key);
    if (entry) entry.value = value;
    else this.entries.set(key, { value, pending: 1 });
  }

  /** undefined: not in the overlay (read the store); null: deleted; Buffer: the latest value. */
  get(key: string): Buffer | null | undefined {
    return this.entries.get(key)?.value;
  }

  /** One write of the key reached the store; the entry goes once its last write has. */
  release(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    if (--entry.pending <= 0) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
