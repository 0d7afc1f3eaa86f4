import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { RecoveryAborted, throwIfStopped } from './abort.ts';
import type { Cluster } from './cluster/cluster.ts';
import type { Codec } from './codec.ts';
import { defaultLogger, type Logger } from './logger.ts';
import { partitionFor } from './murmur2.ts';
import type { PartitionStall } from './processor/partition-stats.ts';
import { RecoveryProgress, type RecoverySnapshot } from './recovery-progress.ts';
import { memoryStorage } from './storage/memory-storage.ts';
import type { KeyRange, Storage, Store } from './storage/storage.ts';
import {
  type StorageUnavailable,
  stallRetryDelay,
  storageUnavailable,
} from './storage/storage-unavailable.ts';
import { TableReplica } from './table-replica.ts';
import { type RowListener, type RowSubscription, ViewRows } from './view-rows.ts';
import { ViewStall } from './view-stall.ts';

export interface ViewOptions<T> {
  readonly cluster: Cluster;
  /** Any table topic, e.g. `group.table`. */
  readonly table: string;
  readonly codec: Codec<T>;
  /** Default `memoryStorage()`: the view recovers fully on every start. */
  readonly storage?: Storage;
  readonly logger?: Logger;
}

export interface ViewUpdate<T> {
  readonly key: string;
  /** undefined when the key was deleted. */
  readonly value: T | undefined;
  readonly partition: number;
  readonly offset: number;
}

/**
 * `stalled`: a store of the view is unavailable (a full or unwritable disk); reads are refused
 * (`ViewUnavailable`) while the view reopens its stores with a backoff and catches up again.
 */
export type ViewState = 'idle' | 'recovering' | 'running' | 'stalled' | 'stopping' | 'stopped' | 'failed';

export interface ViewStats {
  readonly table: string;
  readonly state: ViewState;
  readonly partitions: number;
  readonly recovery: RecoverySnapshot;
  /** Records the view is behind the latest high-water marks its reader saw (all partitions). */
  readonly lag: number;
  /** Table records whose value did not decode (skipped for `update` events, logged). */
  readonly decodeErrors: number;
  /** Why the view failed, when it did. */
  readonly error?: string;
  /** While the view is stalled on a store: why, since when, attempts so far. */
  readonly stalled?: PartitionStall;
}

/**
 * A read from a view that cannot answer truthfully: it failed (its copy no longer follows the
 * table), is stopping or stopped. A server maps it to 503 rather than serving stale data.
 */
export class ViewUnavailable extends Error {
  constructor(
    readonly table: string,
    readonly state: ViewState,
    cause?: Error,
  ) {
    super(`view ${table} is ${state}${cause ? `: ${cause.message}` : ''}`, cause ? { cause } : undefined);
    this.name = 'ViewUnavailable';
  }
}

interface ViewEvents<T> {
  update: [ViewUpdate<T>];
  state: [ViewState];
  error: [Error];
}

/**
 * A local, continuously updated copy of a whole table (all partitions). Reads are eventually
 * consistent; `get` before recovery has finished waits for it.
 */
export class View<T> {
  private readonly events = new EventEmitter();
  private readonly logger: Logger;
  private readonly progress: RecoveryProgress;
  private stores: Store[] = [];
  private replica: TableReplica | undefined;
  private ready: Promise<void> | undefined;
  private _state: ViewState = 'idle';
  private _error: Error | undefined;
  private decodeErrors = 0;
  /** The subscribers' feed: every row the stores apply (see `subscribe`). */
  private readonly rows: ViewRows<T>;
  /** Aborted by stop(): a recovery in progress ends at once, without failing the view. */
  private readonly stopping = new AbortController();
  /** The stores' builder (reporting to subscribers) and their count, kept for a reopen. */
  private storage: Storage | undefined;
  private partitionCount = 0;
  /** Whether the replica still replays (a store failure then ends that replay) or follows live. */
  private replaying = false;
  /** The store error that ended a replay (the replay itself rejects with RecoveryAborted). */
  private replayError: StorageUnavailable | undefined;
  /** A store the disk refuses: the stall, and the loop that reopens the stores until they work. */
  private readonly stall: ViewStall;
  private reopening: Promise<void> | undefined;

  constructor(private readonly options: ViewOptions<T>) {
    this.logger = (options.logger ?? defaultLogger('goka')).child({ view: options.table });
    this.progress = new RecoveryProgress(`view ${options.table}`, this.logger);
    this.rows = new ViewRows(options.codec);
    this.stall = new ViewStall(this.logger);
    // An 'error' event without listener would crash the process; failures are in state/error.
    this.events.on('error', () => undefined);
  }

  get table(): string {
    return this.options.table;
  }
  get state(): ViewState {
    return this._state;
  }
  get error(): Error | undefined {
    return this._error;
  }

  on<E extends keyof ViewEvents<T>>(event: E, listener: (...args: ViewEvents<T>[E]) => void): this {
    this.events.on(event, listener as (...args: unknown[]) => void);
    return this;
  }
  off<E extends keyof ViewEvents<T>>(event: E, listener: (...args: ViewEvents<T>[E]) => void): this {
    this.events.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /**
   * A subscription with an initial snapshot: `onRow` gets every row of the table, then every
   * change as the view applies it (`undefined`: deleted). Subscribed before `start()`, rows come
   * as the stores open (what they held) and recover, so whatever `onRow` builds is complete
   * exactly when the view is `running`, and nothing is read twice. Subscribed later, changes
   * come from now on and the rows held now are read once the view runs (a change wins over
   * them). Unlike `update` events, which start only once the view runs.
   */
  subscribe(onRow: RowListener<T>): RowSubscription {
    const early = this._state === 'idle';
    const subscriber = this.rows.add(onRow, !early);
    const snapshotted = this.untilRunning().then(() =>
      early ? undefined : this.rows.snapshot(subscriber, this.stores),
    );
    snapshotted.catch(() => undefined);
    return { snapshotted, close: () => this.rows.remove(subscriber) };
  }

  /** Resolves once every partition is recovered; the view keeps following afterwards. */
  start(): Promise<void> {
    if (!this.ready) {
      this.ready = this.run();
      // get() awaits `ready`; an unobserved failure must not become an unhandled rejection.
      this.ready.catch(() => undefined);
    }
    return this.ready;
  }

  private async run(): Promise<void> {
    const { cluster, table } = this.options;
    const signal = this.stopping.signal;
    const name = `view ${table}`;
    if (this._state !== 'idle') throw new ViewUnavailable(table, this._state);
    this.setState('recovering');
    try {
      const partitions = await cluster.partitionCount(table);
      throwIfStopped(signal, name);
      if (partitions === undefined) {
        if (!cluster.autoCreateTopics) throw new Error(`view: table topic "${table}" does not exist`);
        await cluster.ensureTopics([{ name: table, partitions: cluster.defaultPartitions, compacted: true }]);
        throwIfStopped(signal, name);
      }
      this.partitionCount = partitions ?? cluster.defaultPartitions;
      this.storage = this.rows.storage(this.options.storage ?? memoryStorage());
      await this.follow(false);
      throwIfStopped(signal, name);
      this.setState('running');
    } catch (error) {
      // Stopped while recovering: not a failure.
      if (signal.aborted) throw error instanceof RecoveryAborted ? error : new RecoveryAborted(name);
      const unavailable = this.unavailable(error);
      if (unavailable) {
        // A disk that refuses the stores at start: the start waits until they work.
        this.stalled(unavailable);
        await this.reopening;
        throwIfStopped(signal, name);
        // TypeScript cannot see that the reopen may have failed the view.
        if ((this._state as ViewState) === 'failed') throw this._error;
        return;
      }
      this.fail(error instanceof Error ? error : new Error(String(error)));
      throw this._error;
    }
  }

  /**
   * Opens the stores and replays the table into them from their checkpoints, then follows it.
   * `reopened`: after a stall, what the replay applies is news to `update` listeners (the old
   * replica stopped at the store's checkpoint, whose records it had already announced).
   */
  private async follow(reopened: boolean): Promise<void> {
    const { cluster, table, codec } = this.options;
    const signal = this.stopping.signal;
    const name = `view ${table}`;
    const storage = this.storage!;
    const opened = await Promise.allSettled(
      Array.from({ length: this.partitionCount }, (_, p) => storage.open(table, p)),
    );
    const refused = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    const stores = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    if (refused) {
      await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
      throw refused.reason;
    }
    // Assigned before the check: stop() closes whatever was opened.
    this.stores = stores;
    throwIfStopped(signal, name);
    this.replayError = undefined;
    this.replaying = true;
    this.replica = new TableReplica({
      cluster,
      topic: table,
      name,
      partitions: this.stores.map((store, partition) => ({ partition, store })),
      progress: this.progress,
      signal,
      onError: (error) => {
        const unavailable = storageUnavailable(error);
        if (!unavailable) this.fail(error);
        else if (this.replaying) {
          // Its replay would wait for ever: end it, the caller sees why (`unavailable`).
          this.replayError = unavailable;
          void this.replica?.stop();
        } else this.stalled(unavailable);
      },
      onApplied: (partition, records, live) => {
        if (!live && !reopened) return;
        const listening = this.events.listenerCount('update') > 0;
        for (const r of records) {
          let value: T | undefined;
          try {
            value = r.value === null ? undefined : codec.decode(r.value);
          } catch (error) {
            // The store keeps the raw bytes (a get of the key fails the same way); say so once
            // per record rather than dropping it silently.
            this.decodeErrors++;
            this.logger.warn(
              { err: error, key: r.key?.toString('utf8'), partition, offset: r.offset },
              'view: a table record does not decode',
            );
            this.events.emit('error', new Error(`view ${table}: cannot decode ${r.key}`, { cause: error }));
            continue;
          }
          if (!listening) continue;
          this.events.emit('update', {
            key: r.key?.toString('utf8') ?? '',
            value,
            partition,
            offset: r.offset,
          });
        }
      },
    });
    try {
      await this.replica.start();
    } finally {
      this.replaying = false;
    }
  }

  /** The store error behind `error`: its own, or the one that ended a replay. */
  private unavailable(error: unknown): StorageUnavailable | undefined {
    return storageUnavailable(error) ?? (error instanceof RecoveryAborted ? this.replayError : undefined);
  }

  /**
   * A store the disk refuses (issue 26, "disk and data"): the view is `stalled` — reads are
   * refused, not answered from a copy that stopped following — and reopens its stores after
   * 0.5, 1, 2, 4, 8 s, then every 10 s (LevelDB refuses every write after one failed, until
   * reopened), replaying the table from their checkpoints, until they take writes again.
   */
  private stalled(error: StorageUnavailable): void {
    this.stall.failed(error);
    if (this._state === 'recovering' || this._state === 'running') this.setState('stalled');
    this.reopening ??= this.reopen().finally(() => {
      this.reopening = undefined;
    });
  }

  private async reopen(): Promise<void> {
    const signal = this.stopping.signal;
    for (;;) {
      await this.replica?.stop();
      await Promise.all(this.stores.map((s) => s.close().catch(() => undefined)));
      this.stores = [];
      await sleep(stallRetryDelay(this.stall.attempts), undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      const attempts = this.stall.attempts;
      try {
        await this.follow(true);
      } catch (error) {
        if (signal.aborted) return;
        const unavailable = this.unavailable(error);
        if (!unavailable) {
          this.fail(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        this.stall.failed(unavailable);
        continue;
      }
      if (signal.aborted) return;
      // Refused again between catching up and here: that failure was noted, try again.
      if (this.stall.attempts !== attempts) continue;
      this.stall.ended();
      this.setState('running');
      return;
    }
  }

  async get(key: string): Promise<T | undefined> {
    const raw = await (await this.storeFor(key)).get(key);
    return raw === undefined ? undefined : this.options.codec.decode(raw);
  }

  async has(key: string): Promise<boolean> {
    return (await this.storeFor(key)).has(key);
  }

  /** Entries of all partitions in key order (a k-way merge of the partitions' sorted stores). */
  async *iterate(range?: KeyRange): AsyncIterable<[string, T]> {
    await this.whenReady();
    const limit = range?.limit ?? Number.POSITIVE_INFINITY;
    const { limit: _ignored, ...perPartition } = range ?? {};
    const iterators = this.stores.map((s) => s.iterate(perPartition)[Symbol.asyncIterator]());
    const heads = await Promise.all(iterators.map((it) => it.next()));
    const descending = range?.reverse ?? false;
    let emitted = 0;
    while (emitted < limit) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i]!;
        if (h.done) continue;
        if (best < 0) best = i;
        else {
          const a = h.value[0];
          const b = (heads[best]!.value as [string, Buffer])[0];
          if (descending ? a > b : a < b) best = i;
        }
      }
      if (best < 0) return;
      const [key, raw] = heads[best]!.value as [string, Buffer];
      heads[best] = await iterators[best]!.next();
      emitted++;
      yield [key, this.options.codec.decode(raw)];
    }
    await Promise.all(iterators.map((it) => it.return?.()));
  }

  stats(): ViewStats {
    return {
      table: this.options.table,
      state: this._state,
      partitions: this.stores.length,
      recovery: this.progress.snapshot(),
      lag: this.replica?.lag() ?? 0,
      decodeErrors: this.decodeErrors,
      ...(this._error ? { error: this._error.message } : {}),
      ...(this.stall.info ? { stalled: this.stall.info } : {}),
    };
  }

  async stop(): Promise<void> {
    if (this._state === 'stopped' || this._state === 'idle') {
      this._state = 'stopped';
      this.stopping.abort();
      return;
    }
    const failed = this._state === 'failed';
    if (!failed) this.setState('stopping');
    this.stopping.abort();
    await this.replica?.stop();
    // A recovery that was stopped settles now; the stores it opened are closed below.
    await this.ready?.catch(() => undefined);
    await this.reopening;
    await Promise.all(this.stores.map((s) => s.close()));
    this.stores = [];
    if (!failed) this.setState('stopped');
  }

  /**
   * Reads wait for recovery; a view that failed, stops or stopped refuses them with
   * `ViewUnavailable` instead of answering from a copy that no longer follows the table.
   */
  private async whenReady(): Promise<void> {
    if (!this.ready) throw new Error(`view ${this.options.table}: not started`);
    await this.ready.catch(() => undefined);
    if (this._state !== 'running') {
      // Stalled: the cause is the store's StorageUnavailable, so a processor whose lookup meets
      // it stalls its partition too (partition-task.ts) instead of failing or dead-lettering.
      throw new ViewUnavailable(this.options.table, this._state, this._error ?? this.stall.error);
    }
  }

  /** Resolves when the view runs; rejects once it fails or stops (it never runs again then). */
  private untilRunning(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (state: ViewState) => {
        if (state === 'running') resolve();
        else if (state === 'failed' || state === 'stopping' || state === 'stopped') {
          reject(new ViewUnavailable(this.options.table, state, this._error));
        } else return;
        this.off('state', check);
      };
      this.on('state', check);
      check(this._state);
    });
  }

  private async storeFor(key: string): Promise<Store> {
    await this.whenReady();
    return this.stores[partitionFor(key, this.stores.length)]!;
  }

  private fail(error: Error): void {
    if (this._state === 'failed') return;
    this._error = error;
    this.logger.error({ err: error }, 'view failed');
    this.setState('failed');
    this.events.emit('error', error);
  }

  private setState(state: ViewState): void {
    this._state = state;
    this.events.emit('state', state);
  }
}
