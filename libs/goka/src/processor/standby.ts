import { changelogOps, resumeOffset } from '../checkpoint.ts';
import type { Cluster, PartitionReader } from '../cluster/cluster.ts';
import type { Logger } from '../logger.ts';
import type { Storage, Store } from '../storage/storage.ts';

export interface StandbyOptions {
  readonly cluster: Cluster;
  readonly storage: Storage;
  /** The group table and the joined tables: everything a partition task recovers. */
  readonly tables: readonly string[];
  readonly partitions: number;
  readonly logger: Logger;
}

interface Follower {
  readonly stores: Store[];
  readonly readers: PartitionReader[];
}

/**
 * Hot standby: the table partitions this instance does not own are kept warm in their local
 * stores, written the same way recovery writes them (records and offset in one batch). When a
 * partition moves here, its task recovers from that checkpoint: only the tail of the changelog.
 *
 * A store is open either here or in the partition's task, never in both (LevelDB has one
 * opener): `reconcile` releases the partitions about to be owned before their tasks start, and
 * follows partitions again only after their tasks closed.
 */
export class StandbyReplicas {
  private readonly followers = new Map<number, Promise<Follower>>();
  private stopped = false;

  constructor(private readonly options: StandbyOptions) {}

  /** Partitions followed right now. */
  get partitions(): number[] {
    return [...this.followers.keys()].sort((a, b) => a - b);
  }

  /**
   * Stops following the partitions in `owned` (resolves once their stores are closed) and
   * starts following every other partition (in the background).
   */
  async reconcile(owned: ReadonlySet<number>): Promise<void> {
    const releases: Promise<void>[] = [];
    for (const [partition, follower] of this.followers) {
      if (!owned.has(partition)) continue;
      this.followers.delete(partition);
      releases.push(follower.then(release));
    }
    if (!this.stopped) {
      for (let p = 0; p < this.options.partitions; p++) {
        if (!owned.has(p) && !this.followers.has(p)) this.followers.set(p, this.follow(p));
      }
    }
    await Promise.all(releases);
  }

  private async follow(partition: number): Promise<Follower> {
    const { cluster, storage, tables, logger } = this.options;
    const follower: Follower = { stores: [], readers: [] };
    for (const table of tables) {
      try {
        const store = await storage.open(table, partition);
        follower.stores.push(store);
        const log = (await cluster.offsets(table)).find((o) => o.partition === partition);
        if (!log) throw new Error(`table "${table}" has no partition ${partition}`);
        // The same validation as recovery: a checkpoint outside the log is rebuilt.
        const from = await resumeOffset(store, log);
        const reader = cluster.reader({
          topic: table,
          name: `standby ${table}/${partition}`,
          partitions: [{ partition, from }],
          onBatch: (_, records, next) => store.write(changelogOps(records), next),
        });
        follower.readers.push(reader);
        await reader.start();
      } catch (error) {
        // Only an optimisation: without it the partition recovers from further back if it moves here.
        logger.warn({ err: error, table, partition }, 'standby replica not kept warm');
      }
    }
    return follower;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const followers = [...this.followers.values()];
    this.followers.clear();
    await Promise.all(followers.map((f) => f.then(release)));
  }
}

async function release(follower: Follower): Promise<void> {
  await Promise.all(follower.readers.map((r) => r.stop()));
  await Promise.all(follower.stores.map((s) => s.close()));
}
