import type { Store } from '../storage/storage.ts';
import { NotLocal, type Owner } from './owner.ts';

/** What a local read needs of a partition's task (processor/partition-task.ts has it). */
export interface OwnedPartition {
  readonly state: string;
  readonly tableStore: Store | undefined;
}

/**
 * One key of the group table, read from the store of a partition this instance owns.
 *
 * What it sees: the store only — every write the changelog acknowledged (exactly-once: whose
 * transaction committed), applied in the batch that follows the acknowledgement. Never the
 * partition's overlay or cache of writes still on their way (a transaction that may abort, a
 * send that may fail): a read answers what a view of the table shows once it fetched those
 * records, or fresher, and nothing a view would never show.
 */
export async function readCommitted(
  task: OwnedPartition | undefined,
  key: string,
  owner: () => Owner,
): Promise<Buffer | undefined> {
  const store = task?.state === 'running' ? task.tableStore : undefined;
  if (!task || !store) throw new NotLocal(key, owner());
  try {
    return await store.get(key);
  } catch (error) {
    // Revoked meanwhile: its store closed under the read. The caller asks the new owner.
    if (task.state !== 'running') throw new NotLocal(key, owner());
    throw error;
  }
}
