import { abortable, RecoveryAborted, throwIfStopped } from './abort.ts';
import { changelogOps, resumeOffset } from './checkpoint.ts';
import type { Cluster, ConsumedRecord, PartitionReader } from './cluster/cluster.ts';
import type { RecoveryProgress } from './recovery-progress.ts';
import type { Store } from './storage/storage.ts';

export { RecoveryAborted } from './abort.ts';
export { changelogOps } from './checkpoint.ts';

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
  /** Aborting it stops the replica, like `stop()`: a recovery in progress rejects `RecoveryAborted`. */
  readonly signal?: AbortSignal;
}

/** Where a partition's replay stands: its target high-water mark and its next offset. */
interface Position {
  readonly target: number;
  next: number;
  /** Highest high-water mark seen (at start, then in fetches). */
  high: number;
}

/**
 * A local copy of some partitions of a changelog: replays from each store's checkpoint to the
 * high-water mark seen at start (recovery), then keeps following. Records and the offset reach
 * the store in one batch, so a restart resumes exactly where the store left off.
 *
 * `stop()` (or the signal) may land at any await of `start()`: each one re-checks, so a stopped
 * replica never opens a reader afterwards and `start()` rejects with `RecoveryAborted` at once.
 */
export class TableReplica {
  private reader: PartitionReader | undefined;
  private readonly positions = new Map<number, Position>();
  private readonly waiting = new Map<number, { resolve(): void; reject(error: Error): void }>();
  private stopped = false;
  private readonly controller = new AbortController();
  private readonly onAbort = () => void this.stop();

  constructor(private readonly options: TableReplicaOptions) {
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Records behind the latest high-water marks the reader saw, summed over the partitions. */
  lag(): number {
    let lag = 0;
    for (const p of this.positions.values()) lag += Math.max(0, p.high - p.next);
    return lag;
  }

  /** Resolves once every partition has caught up with the high-water mark seen at start. */
  async start(): Promise<void> {
    const { cluster, topic, partitions, progress, name } = this.options;
    const signal = this.controller.signal;
    throwIfStopped(signal, name);
    const offsets = new Map(
      (await abortable(cluster.offsets(topic), signal, name)).map((o) => [o.partition, o]),
    );
    const stores = new Map<number, Store>();
    const from: { partition: number; from: number }[] = [];
    const recovered: Promise<void>[] = [];
    for (const { partition, store } of partitions) {
      throwIfStopped(signal, name);
      const bounds = offsets.get(partition);
      if (!bounds) throw new Error(`${name}: topic "${topic}" has no partition ${partition}`);
      const start = await abortable(resumeOffset(store, bounds), signal, name);
      stores.set(partition, store);
      from.push({ partition, from: start });
      this.positions.set(partition, { target: bounds.high, next: start, high: bounds.high });
      progress.expect(Math.max(0, bounds.high - start));
      if (start < bounds.high) {
        const caughtUp = new Promise<void>((resolve, reject) => {
          this.waiting.set(partition, { resolve, reject });
        });
        // A stop rejects it while start() may still await something else: not unhandled.
        caughtUp.catch(() => undefined);
        recovered.push(caughtUp);
      }
    }
    throwIfStopped(signal, name);
    const reader = cluster.reader({
      topic,
      name,
      partitions: from,
      onBatch: async (partition, records, next, highWatermark) => {
        if (this.stopped) return;
        const store = stores.get(partition)!;
        try {
          await store.write(changelogOps(records), next);
        } catch (error) {
          const err = new Error(`${name}: cannot write ${topic}/${partition} to its store`, { cause: error });
          this.options.onError(err);
          throw err;
        }
        const position = this.positions.get(partition);
        if (position) {
          position.next = next;
          position.high = Math.max(position.high, highWatermark ?? 0, next);
        }
        const live = !this.waiting.has(partition);
        if (!live) progress.advance(records.length);
        this.options.onApplied?.(partition, records, live);
        if (!live && next >= (position?.target ?? 0)) {
          this.waiting.get(partition)?.resolve();
          this.waiting.delete(partition);
        }
      },
    });
    this.reader = reader;
    await abortable(reader.start(), signal, name);
    await Promise.all(recovered);
    throwIfStopped(signal, name);
    progress.finish();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.controller.abort();
    for (const w of this.waiting.values()) w.reject(new RecoveryAborted(this.options.name));
    this.waiting.clear();
    await this.reader?.stop();
    this.reader = undefined;
  }
}
