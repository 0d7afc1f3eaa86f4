import { throwIfStopped } from '../abort.ts';
import type { RecoveryProgress } from '../recovery-progress.ts';
import type { Store } from '../storage/storage.ts';
import { type StorageUnavailable, storageUnavailable } from '../storage/storage-unavailable.ts';
import { TableReplica } from '../table-replica.ts';
import type { RecoveryRuntime } from './runtime.ts';

/**
 * What a partition's recovery has opened so far. The task owns it: on close it stops the
 * replicas and closes the stores, also those opened by a recovery that was aborted halfway.
 */
export interface PartitionTables {
  /** The group table's store (with `persist`). */
  store: Store | undefined;
  readonly joinStores: Map<string, Store>;
  /** Replicas still following: the joined tables (their owners keep writing them). */
  readonly replicas: TableReplica[];
}

/**
 * Replays the partition's group table and joined tables from their changelogs into the local
 * stores, up to the high-water marks seen at the start. Every await observes `signal` (a
 * revocation or a stop): it rejects with `RecoveryAborted` at once. `onTableStore` hears of the
 * group table's store as soon as it is open. A replica whose store the disk refuses (during
 * the replay, or a joined table's afterwards) calls `onStoreUnavailable`: the partition stalls
 * and starts over, the processor does not fail; any other replica error fails the processor.
 */
export async function recoverTables(
  runtime: RecoveryRuntime,
  partition: number,
  progress: RecoveryProgress,
  signal: AbortSignal,
  tables: PartitionTables,
  onTableStore: (store: Store) => void,
  onStoreUnavailable: (error: StorageUnavailable) => void,
): Promise<void> {
  const { group, storage, cluster } = runtime;
  const name = `${group.name}/${partition}`;
  const replaying: Promise<void>[] = [];
  // A replay is observed at once: a stop that lands while a later store opens throws before the
  // allSettled below, and the replays it aborted must not surface as unhandled rejections (that
  // ended a service process). allSettled still sees every outcome.
  const replay = (p: Promise<void>) => {
    p.catch(() => undefined);
    replaying.push(p);
  };
  const replica = (topic: string, what: string, store: Store) =>
    new TableReplica({
      cluster,
      topic,
      name: `${name} ${what}`,
      partitions: [{ partition, store }],
      progress,
      onError: (error) => {
        const unavailable = storageUnavailable(error);
        if (unavailable) onStoreUnavailable(unavailable);
        else runtime.fail(error);
      },
      signal,
    });
  if (group.persist) {
    throwIfStopped(signal, name);
    // Published before the check: close() closes whatever was opened.
    tables.store = await storage.open(group.table, partition);
    onTableStore(tables.store);
    throwIfStopped(signal, name);
    const own = replica(group.table, 'table', tables.store);
    tables.replicas.push(own);
    // Only this group writes its table: once caught up there is nothing more to follow.
    replay(
      own.start().then(() => {
        tables.replicas.splice(tables.replicas.indexOf(own), 1);
        return own.stop();
      }),
    );
  }
  for (const j of group.joins) {
    throwIfStopped(signal, name);
    const store = await storage.open(j.table, partition);
    tables.joinStores.set(j.table, store);
    throwIfStopped(signal, name);
    const joined = replica(j.table, `join ${j.table}`, store);
    tables.replicas.push(joined);
    replay(joined.start());
  }
  // Every replica settles (a failed one must not leave the others replaying unobserved).
  const results = await Promise.allSettled(replaying);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  throwIfStopped(signal, name);
}
