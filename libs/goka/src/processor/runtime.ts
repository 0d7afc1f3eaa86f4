import type { Cluster } from '../cluster/cluster.ts';
import type { ContextScope } from '../context.ts';
import type { InputEdge } from '../edges.ts';
import type { Group } from '../group.ts';
import type { Logger } from '../logger.ts';
import type { BatchingProducer } from '../producer/batching-producer.ts';
import type { WallClock } from '../schedule/wall-clock.ts';
import type { Storage } from '../storage/storage.ts';
import type { MembershipLapsed, MembershipLease } from './lease/membership-lease.ts';
import type { CoalesceOptions } from './write-coalescer.ts';

export type ErrorPolicy = 'fail' | 'dead-letter';

/**
 * What a partition task needs from its processor, instead of the class: the group and its
 * settings, the clients and stores it shares, and the few calls back up (committable offsets,
 * the lease, failing). The task's helpers get only their slices (`EffectsRuntime`,
 * `RecoveryRuntime`).
 */
export interface ProcessorRuntime {
  readonly group: Group<unknown, unknown>;
  readonly cluster: Cluster;
  readonly storage: Storage;
  readonly producer: BatchingProducer;
  readonly logger: Logger;
  readonly policy: ErrorPolicy;
  /** Table values kept in memory per partition, to spare the store reads. */
  readonly cacheSize: number;
  /** The same bound in bytes of keys and values. */
  readonly cacheBytes: number;
  /** How long a batch runs before the event loop gets a turn (0: never inside a batch). */
  readonly sliceMs: number;
  /** Effects and offsets of each delivered batch go out in one transaction. */
  readonly exactlyOnce: boolean;
  /** Table writes held back to coalesce same-key updates; undefined: every write is sent. */
  readonly coalesce: CoalesceOptions | undefined;
  readonly scope: ContextScope;
  /** The time wall-clock timers follow (the tester's is advanced by hand). */
  readonly clock: WallClock;
  readonly inputs: ReadonlyMap<string, InputEdge<unknown, unknown, unknown>>;
  /** The offset after a finished prefix of a topic-partition may now be committed. */
  committable(topic: string, partition: number, offset: number): void;
  /** Checked before every record and every write handed to the producer (at-least-once). */
  readonly lease: MembershipLease;
  /**
   * The lease ran out: every partition stops and the writes queued in the producer are dropped.
   * Returns the error the partitions stop with. Idempotent until the lease holds again.
   */
  leaseLapsed(): MembershipLapsed;
  /** Counts writes a lapse dropped before they reached the producer's client. */
  writesDropped(count: number): void;
  fail(error: Error): void;
}

/** What the effect writers use (effect-writer.ts, transaction-effects.ts). */
export type EffectsRuntime = Pick<ProcessorRuntime, 'group' | 'producer' | 'coalesce'>;

/** What a partition's table recovery uses (partition-recovery.ts). */
export type RecoveryRuntime = Pick<ProcessorRuntime, 'group' | 'cluster' | 'storage' | 'fail'>;
