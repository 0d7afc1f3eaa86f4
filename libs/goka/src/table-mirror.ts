import type { View } from './view.ts';
import type { RowSubscription } from './view-rows.ts';

/**
 * An in-memory Map of a whole table, kept by a view's subscription (`View.subscribe`): the
 * table's rows as a snapshot, then every change. For readers that cannot afford an async,
 * decoding store read per key (a ranker scoring thousands of candidates per request).
 * Made before the view starts, it is complete exactly when the view runs.
 *
 * `project` keeps only what readers need, or undefined to keep nothing for that key. `version`
 * grows with every applied change, so readers (a WebSocket pusher) can tell cheaply whether
 * anything changed.
 */
export class TableMirror<T, M = T> {
  private readonly rows = new Map<string, M>();
  private readonly listeners = new Set<(key: string, value: M | undefined) => void>();
  private readonly subscription: RowSubscription;
  private _version = 0;

  constructor(
    readonly view: View<T>,
    private readonly project: (key: string, value: T) => M | undefined = (_key, value) =>
      value as unknown as M,
  ) {
    this.subscription = view.subscribe((key, value) => this.apply(key, value));
  }

  get version(): number {
    return this._version;
  }

  get size(): number {
    return this.rows.size;
  }

  /** Resolves once the view runs and the whole table is in the map; rejects if the view fails first. */
  ready(): Promise<void> {
    return this.subscription.snapshotted;
  }

  get(key: string): M | undefined {
    return this.rows.get(key);
  }

  entries(): IterableIterator<[string, M]> {
    return this.rows.entries();
  }

  /** Called after each applied change (the snapshot's rows too). */
  onChange(listener: (key: string, value: M | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.subscription.close();
    this.listeners.clear();
  }

  private apply(key: string, value: T | undefined): void {
    const projected = value === undefined ? undefined : this.project(key, value);
    if (projected === undefined) this.rows.delete(key);
    else this.rows.set(key, projected);
    this._version++;
    for (const listener of this.listeners) listener(key, projected);
  }
}
