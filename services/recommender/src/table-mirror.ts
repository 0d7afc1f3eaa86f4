import type { View, ViewUpdate } from '@showcase/goka';

/**
 * An in-memory Map of a whole table, kept by a View: the ranker scores thousands of candidates
 * per request and cannot afford an async, decoding store read for each. Built once the view has
 * recovered (a full iteration), then kept by the view's updates. Updates that arrive while the
 * initial load runs win over what the load reads: the load may read an older snapshot.
 *
 * `version` grows with every applied change, so readers (the WebSocket pusher) can tell cheaply
 * whether anything changed.
 */
export class TableMirror<T, M = T> {
  private readonly rows = new Map<string, M>();
  private readonly listeners = new Set<(key: string, value: M | undefined) => void>();
  private loading: Set<string> | undefined = new Set();
  private loaded: Promise<void> | undefined;
  private _version = 0;

  /** `project` keeps only what readers need (or undefined to keep nothing for that key). */
  constructor(
    readonly view: View<T>,
    private readonly project: (key: string, value: T) => M | undefined,
  ) {
    view.on('update', this.onUpdate);
  }

  get version(): number {
    return this._version;
  }

  get size(): number {
    return this.rows.size;
  }

  /** Resolves once the view recovered and its content is in the map (at most one load). */
  ready(): Promise<void> {
    if (!this.loaded) {
      this.loaded = this.load();
      // A failed load (e.g. the view failed) may be retried by the next caller.
      this.loaded.catch(() => {
        this.loaded = undefined;
      });
    }
    return this.loaded;
  }

  get(key: string): M | undefined {
    return this.rows.get(key);
  }

  entries(): IterableIterator<[string, M]> {
    return this.rows.entries();
  }

  /** Called after each applied change (also the initial load's). */
  onChange(listener: (key: string, value: M | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.view.off('update', this.onUpdate);
    this.listeners.clear();
  }

  private async load(): Promise<void> {
    await this.running();
    for await (const [key, value] of this.view.iterate()) {
      if (this.loading?.has(key)) continue;
      this.apply(key, value);
    }
    this.loading = undefined;
  }

  /** The view is started by its owner (the service); iterating earlier would fail. */
  private running(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (state: string) => {
        if (state === 'running') {
          this.view.off('state', check);
          resolve();
        } else if (state === 'failed' || state === 'stopped') {
          this.view.off('state', check);
          reject(new Error(`view ${this.view.table} is ${state}`));
        }
      };
      this.view.on('state', check);
      check(this.view.state);
    });
  }

  private readonly onUpdate = (update: ViewUpdate<T>) => {
    this.loading?.add(update.key);
    this.apply(update.key, update.value);
  };

  private apply(key: string, value: T | undefined): void {
    const projected = value === undefined ? undefined : this.project(key, value);
    if (projected === undefined) this.rows.delete(key);
    else this.rows.set(key, projected);
    this._version++;
    for (const l of this.listeners) l(key, projected);
  }
}
