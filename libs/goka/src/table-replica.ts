import type { Cluster, ConsumedRecord, PartitionReader } from './cluster/cluster.ts';
import type { RecoveryProgress } from './recovery-progress.ts';
import type { Store, StoreOp } from './storage/storage.ts';

export interface ReplicaPartition {
  readonly partition: number;
  readonly store: Store;
}

export interface TableReplicaOptions {
  readonly cluster: Cluster;
  readonly topic: string;
  readonly partitions: readonly ReplicaPartition[];
  readonly progress: RecoveryProgress;
  /** Called after records are in the store; `live` is false while still recovering. */
  readonly onApplied?: (partition: number, records: readonly ConsumedRecord[], live: boolean) => void;
  readonly onError: (error: Error) => void;
  readonly name: string;
}

/**
 * A local copy of some partitions of a changelog: replays from each store's checkpoint to the
 * high-water mark seen at start (recovery), then keeps following. Records and the offset reach
 * the store in one batch, so a restart resumes exactly where the store left off.
 */
export class TableReplica {
  private reader: PartitionReader | undefined;
  private readonly targets = new Map<number, number>();
  private readonly waiting = new Map<number, { resolve(): void; reject(error: Error): void }>();
  private readonly recovered: Promise<void>[] = [];
  private stopped = false;

  constructor(private readonly options: TableReplicaOptions) {}

  /** Resolves once every partition has caught up with the high-water mark seen at start. */
  async start(): Promise<void> {
    const { cluster, topic, partitions, progress } = this.options;
    const offsets = new Map((await cluster.offsets(topic)).map((o) => [o.partition, o]));
    const stores = new Map<number, Store>();
    const from: { partition: number; from: number }[] = [];
    for (const { partition, store } of partitions) {
      const o = offsets.get(partition);
      if (!o) throw new Error(`${this.options.name}: topic "${topic}" has no partition ${partition}`);
      let checkpoint = (await store.getOffset()) ?? 0;
      if (checkpoint > o.high) {
        // The changelog is behind the store (topic recreated or truncated): the store cannot be
        // trusted, rebuild it rather than serve values that no longer exist.
        await store.clear();
        checkpoint = 0;
      }
      const start = Math.max(checkpoint, o.low);
      stores.set(partition, store);
      from.push({ partition, from: start });
      this.targets.set(partition, o.high);
      progress.expect(Math.max(0, o.high - start));
      this.recovered.push(
        start >= o.high
          ? Promise.resolve()
          : new Promise<void>((resolve, reject) => {
              this.waiting.set(partition, { resolve, reject });
            }),
      );
    }
    this.reader = cluster.reader({
      topic,
      name: this.options.name,
      partitions: from,
      onBatch: async (partition, records, next) => {
        if (this.stopped) return;
        const store = stores.get(partition)!;
        try {
          await store.write(changelogOps(records), next);
        } catch (error) {
          const err = new Error(`${this.options.name}: cannot write ${topic}/${partition} to its store`, {
            cause: error,
          });
          this.options.onError(err);
          throw err;
        }
        const target = this.targets.get(partition) ?? 0;
        const live = !this.waiting.has(partition);
        if (!live) progress.advance(records.length);
        this.options.onApplied?.(partition, records, live);
        if (!live && next >= target) {
          this.waiting.get(partition)?.resolve();
          this.waiting.delete(partition);
        }
      },
    });
    await this.reader.start();
    await Promise.all(this.recovered);
    progress.finish();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.waiting.values()) w.reject(new RecoveryAborted(this.options.name));
    this.waiting.clear();
    await this.reader?.stop();
    this.reader = undefined;
  }
}

export function changelogOps(records: readonly ConsumedRecord[]): StoreOp[] {
  const ops: StoreOp[] = [];
  for (const r of records) {
    const key = r.key?.toString('utf8') ?? '';
    ops.push(r.value === null ? { type: 'del', key } : { type: 'put', key, value: r.value });
  }
  return ops;
}

/** Recovery was stopped (revocation, shutdown) before it finished: not a failure. */
export class RecoveryAborted extends Error {
  constructor(name: string) {
    super(`${name}: stopped before recovery finished`);
    this.name = 'RecoveryAborted';
  }
}
