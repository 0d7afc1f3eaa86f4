import type { Cluster } from '../cluster/cluster.ts';
import type { Logger } from '../logger.ts';
import type { RecoverySnapshot } from '../recovery-progress.ts';
import type { WallClock } from '../schedule/wall-clock.ts';
import type { Storage } from '../storage/storage.ts';
import type { PartitionStats } from './partition-stats.ts';
import type { ErrorPolicy } from './runtime.ts';

export interface ProcessorOptions {
  readonly cluster: Cluster;
  /** Store builder for the group table, joined and looked-up tables. Default `memoryStorage()`. */
  readonly storage?: Storage;
  /** What a throwing callback or an undecodable record does. Default `'fail'`. */
  readonly onError?: ErrorPolicy;
  readonly logger?: Logger;
  /**
   * Hot standby: also keep the table partitions (group table, joined tables) this instance does
   * not own warm in local stores, so a partition that moves here recovers only the changelog's
   * tail. Costs a changelog reader per table and non-owned partition. Default false.
   */
  readonly standby?: boolean;
  /**
   * Table values each partition keeps in memory (LRU), so hot keys need no store read.
   * Default 10,000; 0 disables the cache.
   */
  readonly cacheSize?: number;
  /**
   * Bytes (keys and values) the value cache of each partition may hold; whichever of the two
   * bounds is reached first evicts. Default 16 MiB.
   */
  readonly cacheBytes?: number;
  /**
   * `'at-least-once'` (default): effects are sent as they happen and offsets committed once
   * acknowledged; a crash may process uncommitted messages again. `'exactly-once'`: each
   * delivered batch's table writes, emits, loopbacks and input offsets go out in one Kafka
   * transaction per partition, so a crash never applies a message twice (consumers of the
   * outputs must read committed, which is kafkajs' default).
   */
  readonly guarantee?: Guarantee;
  /**
   * Write coalescing (Kafka Streams' record cache): table writes wait up to `windowMs` (default
   * 20) or until `maxBytes` of them are held (default 1 MiB), and later writes of a key replace
   * earlier ones, so each key reaches the changelog and the store once per window. Reads in
   * callbacks see the latest write at once; an input offset is committed only once the write
   * covering its message is acknowledged. Exactly-once: the window is each batch's transaction.
   * `true` takes the defaults. Default off.
   */
  readonly coalesce?: boolean | { readonly windowMs?: number; readonly maxBytes?: number };
  /**
   * The longest a partition works through a delivered batch before it lets the event loop run
   * once (`setImmediate`), in milliseconds. A batch of hundreds of cached messages otherwise
   * runs as one synchronous stretch, and everything else of the process — HTTP requests,
   * produce acknowledgements, heartbeats, the other partitions — waits behind it. Default 5;
   * 0 never yields inside a batch.
   */
  readonly sliceMs?: number;
  /** The time wall-clock timers follow. Default the system clock; the tester's moves by hand. */
  readonly clock?: WallClock;
}

export type Guarantee = 'at-least-once' | 'exactly-once';

export type ProcessorState =
  | 'idle'
  | 'starting'
  | 'recovering'
  | 'running'
  | 'stopping'
  | 'stopped'
  | 'failed';

export interface ProcessorStats {
  readonly group: string;
  readonly state: ProcessorState;
  readonly partitions: readonly PartitionStats[];
  readonly processed: number;
  readonly deadLettered: number;
  /**
   * Exactly-once: transactions committed by the partitions owned now, and the records they
   * carried (records per transaction = the ratio; a partition that moves starts again at 0).
   */
  readonly transactions: number;
  readonly transactionRecords: number;
  readonly recovery: RecoverySnapshot;
  /**
   * At-least-once: times the membership lease ran out (no heartbeat acknowledged for most of a
   * session) and the partitions stopped and started over.
   */
  readonly leaseLapses: number;
  /** Writes those lapses dropped before they were handed to the client (never written). */
  readonly lapseDroppedWrites: number;
}
