import type { ConsumedRecord, PartitionOffsets } from './cluster/cluster.ts';
import type { Store, StoreOp } from './storage/storage.ts';

/**
 * Where a local store of a changelog partition resumes. Its checkpoint is trusted only when it
 * lies within the partition's log: ahead of the high-water mark means the topic was recreated or
 * truncated; behind the log start means records between the checkpoint and the start are gone
 * (deleted, or compacted away with their tombstones), so resuming would keep keys the changelog
 * deleted meanwhile. Either way the store is cleared and rebuilt from the log start. This is
 * also the validation of a store reused after its partition was owned elsewhere for a while.
 */
export async function resumeOffset(store: Store, log: PartitionOffsets): Promise<number> {
  const checkpoint = await store.getOffset();
  if (checkpoint === undefined) return log.low;
  if (checkpoint > log.high || checkpoint < log.low) {
    await store.clear();
    return log.low;
  }
  return checkpoint;
}

/** The store operations of changelog records (`null` value: a deleted key). */
export function changelogOps(records: readonly ConsumedRecord[]): StoreOp[] {
  const ops: StoreOp[] = [];
  for (const r of records) {
    const key = r.key?.toString('utf8') ?? '';
    ops.push(r.value === null ? { type: 'del', key } : { type: 'put', key, value: r.value });
  }
  return ops;
}
