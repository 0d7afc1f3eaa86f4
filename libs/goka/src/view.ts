import { EventEmitter } from 'node:events';
import type { Cluster } from './cluster/cluster.ts';
import type { Codec } from './codec.ts';
import { defaultLogger, type Logger } from './logger.ts';
import { partitionFor } from './murmur2.ts';
import { RecoveryProgress, type RecoverySnapshot } from './recovery-progress.ts';
import { memoryStorage } from './storage/memory-storage.ts';
import type { KeyRange, Storage, Store } from './storage/storage.ts';
import { TableReplica } from './table-replica.ts';

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

export type ViewState = 'idle' | 'recovering' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface ViewStats {
  readonly table: string;
  readonly state: ViewState;
  readonly partitions: number;
  readonly recovery: RecoverySnapshot;
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

  constructor(private readonly options: ViewOptions<T>) {
    this.logger = (options.logger ?? defaultLogger('goka')).child({ view: options.table });
    this.progress = new RecoveryProgress(`view ${options.table}`, this.logger);
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
    const { cluster, table, codec } = this.options;
    this.setState('recovering');
    try {
      const partitions = await cluster.partitionCount(table);
      if (partitions === undefined) {
        if (!cluster.autoCreateTopics) throw new Error(`view: table topic "${table}" does not exist`);
        await cluster.ensureTopics([{ name: table, partitions: cluster.defaultPartitions, compacted: true }]);
      }
      const count = partitions ?? cluster.defaultPartitions;
      const storage = this.options.storage ?? memoryStorage();
      this.stores = await Promise.all(Array.from({ length: count }, (_, p) => storage.open(table, p)));
      this.replica = new TableReplica({
        cluster,
        topic: table,
        name: `view ${table}`,
        partitions: this.stores.map((store, partition) => ({ partition, store })),
        progress: this.progress,
        onError: (error) => this.fail(error),
        onApplied: (partition, records, live) => {
          if (!live || this.events.listenerCount('update') === 0) return;
          for (const r of records) {
            let value: T | undefined;
            try {
              value = r.value === null ? undefined : codec.decode(r.value);
            } catch (error) {
              this.events.emit('error', new Error(`view ${table}: cannot decode ${r.key}`, { cause: error }));
              continue;
            }
            this.events.emit('update', {
              key: r.key?.toString('utf8') ?? '',
              value,
              partition,
              offset: r.offset,
            });
          }
        },
      });
      await this.replica.start();
      this.setState('running');
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
      throw this._error;
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
    };
  }

  async stop(): Promise<void> {
    if (this._state === 'stopped' || this._state === 'idle') {
      this._state = 'stopped';
      return;
    }
    const failed = this._state === 'failed';
    if (!failed) this.setState('stopping');
    await this.replica?.stop();
    await Promise.all(this.stores.map((s) => s.close()));
    this.stores = [];
    if (!failed) this.setState('stopped');
  }

  private async whenReady(): Promise<void> {
    if (!this.ready) throw new Error(`view ${this.options.table}: not started`);
    await this.ready;
    if (this._state === 'stopped' || this._state === 'stopping') {
      throw new Error(`view ${this.options.table}: stopped`);
    }
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
