/**
 * The seam between the library and a broker. Processors, views and emitters talk only to these
 * interfaces; `memoryCluster()` implements them in-process and `kafkaCluster()` on Apache Kafka
 * (kafkajs for group membership and admin, @platformatic/kafka or kafkajs for producers and
 * readers; see kafka/kafka-cluster.ts). Offsets are plain numbers (safe up to 2^53) and always
 * mean "the next offset to read". Nothing below this folder knows processors: a consumer group
 * delivers, pauses, seeks and resumes; what a partition's work means is the handler's business.
 */

import type { GroupRoutingHooks } from './group-hosts.ts';

export type { GroupHosts, GroupRoutingHooks, MemberInfo, PartitionHosts } from './group-hosts.ts';

export type Headers = Record<string, string>;

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  /** `null` is a tombstone. */
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Headers;
}

export interface OutgoingRecord {
  readonly topic: string;
  /** Always explicit: the library partitions with murmur2 itself (see murmur2.ts). */
  readonly partition: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Headers;
  readonly timestamp?: number;
}

export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Compacted changelog (`cleanup.policy=compact`). */
  readonly compacted?: boolean;
}

export interface PartitionOffsets {
  readonly partition: number;
  /** First offset still in the log. */
  readonly low: number;
  /** High-water mark: the offset the next record will get. */
  readonly high: number;
}

/** Who writes through a `producer()`: an Emitter, or anything else (processors, the tester). */
export type ProducerRole = 'emitter' | 'processor';

export interface ClusterProducer {
  /**
   * Writes the records (acks=all) and resolves with their metadata in the same order once all of
   * them are acknowledged. Records of one partition keep their order.
   */
  send(records: readonly OutgoingRecord[]): Promise<RecordMetadata[]>;
  close(): Promise<void>;
}

/**
 * Writes records and commits a consumer group's offsets in one transaction (exactly-once
 * mode). Readers only ever see committed transactions.
 */
export interface TransactionalProducer {
  /**
   * Registers the transactional id with the broker, which aborts whatever an older producer
   * with this id left open. Call it before reading what such a producer may have written.
   */
  init(): Promise<void>;
  /**
   * Resolves with the records' metadata once the transaction is committed. On any error the
   * transaction is aborted: none of its records and none of its offsets take effect.
   */
  commit(
    records: readonly OutgoingRecord[],
    group: string,
    offsets: readonly CommitOffset[],
  ): Promise<RecordMetadata[]>;
  close(): Promise<void>;
}

export interface ReaderOptions {
  readonly topic: string;
  /** Partitions to read and the offset to start each at (clamped to the partition's low mark). */
  readonly partitions: readonly { readonly partition: number; readonly from: number }[];
  /**
   * Called with records of one partition in offset order; the next call waits for this one.
   * `next` is the offset the reader continues at: it may be past the last record when the log
   * has offsets without records (compacted away, transaction markers), so a caller that waits
   * for a high-water mark compares against `next`, never against the last record's offset.
   */
  onBatch(
    partition: number,
    records: readonly ConsumedRecord[],
    next: number,
    /** The partition's high-water mark as the fetch saw it, when the cluster tells (for lag). */
    highWatermark?: number,
  ): Promise<void>;
  /** Diagnostic name, e.g. the view or processor that reads. */
  readonly name?: string;
}

/** Reads given partitions of one topic from given offsets and keeps following them. */
export interface PartitionReader {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface GroupHandler {
  /** Partitions (the same numbers for every subscribed topic) this member now owns. */
  assigned(partitions: readonly number[]): Promise<void>;
  /**
   * Partitions taken away. Resolve only once their work is finished or discarded and what is
   * done is committed: the next owner starts from the committed offsets.
   */
  revoked(partitions: readonly number[]): Promise<void>;
  /** Records of one partition, possibly of several subscribed topics, each topic in offset order. */
  batch(partition: number, records: readonly ConsumedRecord[]): Promise<void>;
  /**
   * Optional: resolves once the partition can process batches (its tables are recovered). A
   * consumer may hold the partition's records back until then instead of blocking on `batch`.
   */
  ready?(partition: number): Promise<void>;
  /**
   * Optional: resolves once every record handed to `batch` for the partition is finished and
   * its offset committed. A consumer that cannot run `revoked` before a rebalance (kafkajs) calls
   * it after each batch, so that nothing is left unfinished when the partition moves.
   */
  drain?(partition: number): Promise<void>;
  /**
   * Optional: the consumer's position in `topic` moved past records that carry no message for
   * `batch` — transaction markers (a commit marker follows the last record of every transaction)
   * and aborted records — up to `nextOffset`. Only for what the handler shows (lag): an idle
   * group reading transactional topics is then at the high-water mark, not a marker behind.
   */
  passed?(topic: string, partition: number, nextOffset: number): void;
  /** The member cannot go on (e.g. lost its session for good); the processor fails visibly. */
  crashed(error: Error): void;
  /** Optional, for diagnostics (a batch held long is logged with it): what the partition waits for. */
  describe?(partition: number): Readonly<Record<string, unknown>>;
}

export interface GroupConsumerOptions {
  readonly group: string;
  /** Co-partitioned topics: partition p of every topic goes to the same member. */
  readonly topics: readonly string[];
  readonly handler: GroupHandler;
  /**
   * Read a partition's committed offsets only once `handler.ready(partition)` resolved, not at
   * the join. Exactly-once needs it: `ready` includes fencing the previous owner's transactional
   * producer, and until then that owner's last transaction (with its offsets) may still commit.
   */
  readonly refetchOffsetsWhenReady?: boolean;
  /**
   * Routed reads: what this member publishes when it joins (its endpoint) and where it learns
   * the group's map partition → endpoint after every rebalance (see group-hosts.ts).
   */
  readonly routing?: GroupRoutingHooks;
}

export interface CommitOffset {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to consume. */
  readonly offset: number;
}

/**
 * How recently the group coordinator confirmed that this member still belongs to the group. A
 * member that froze (a long GC pause, a starved machine) past its session is expelled without
 * knowing it; until it hears so, whatever it writes is computed from state the partitions' new
 * owners have moved on from. The processor stops writing once `confirmedAt` is older than the
 * session timeout (minus a margin): from then on the membership may have lapsed.
 */
export interface GroupMembership {
  /**
   * Epoch ms at which the latest request the coordinator answered as this member's (a heartbeat,
   * the join) was *sent*: the coordinator's session clock restarted at or after that moment.
   * Read on the hot path (once per record): a plain field or a cheap getter.
   */
  readonly confirmedAt: number;
  /** The member is expelled once this long passes without a confirmation reaching the coordinator. */
  readonly sessionTimeoutMs: number;
}

export interface GroupConsumer {
  /** Joins the group; resolves once the member has its first assignment. */
  start(): Promise<void>;
  /** Absent: the membership never lapses (no sessions). */
  readonly membership?: GroupMembership;
  commit(offsets: readonly CommitOffset[]): Promise<void>;
  /**
   * Holds back the records of an owned partition (every subscribed topic) until `resume`. A
   * batch being delivered when it is called is the last one: the consumer neither finishes it
   * (no `drain`) nor counts it as consumed, so `seekToCommitted` reads it again. For a handler
   * that starts a partition over while keeping it (a failed transaction, a lapsed lease).
   */
  pause(partition: number): void;
  /**
   * Moves a paused partition's position (every subscribed topic) to the group's committed
   * offsets, or the log start where nothing is committed. Resolves once `resume` reads from there.
   */
  seekToCommitted(partition: number): Promise<void>;
  /** Delivers the paused partition's records again. No-op once a rebalance took the partition. */
  resume(partition: number): void;
  /** Revokes everything (through the handler), leaves the group. */
  stop(): Promise<void>;
}

export interface Cluster {
  /** Human readable, for logs (`memory`, `kafka 127.0.0.1:9092`). */
  readonly description: string;
  /** Whether missing topics (emitter targets, outputs) may be created on first use. */
  readonly autoCreateTopics: boolean;
  /** Partition count for topics the cluster creates on its own initiative. */
  readonly defaultPartitions: number;
  partitionCount(topic: string): Promise<number | undefined>;
  /** Creates what is missing; an existing topic with another partition count is an error. */
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>;
  offsets(topic: string): Promise<PartitionOffsets[]>;
  /**
   * A producer. `role: 'emitter'` marks an Emitter's producer, which a cluster may serve from
   * another client than processors' producers (see `KafkaClusterOptions.emitterProducer`).
   */
  producer(options?: { readonly name?: string; readonly role?: ProducerRole }): ClusterProducer;
  /**
   * A transactional producer. Its id fences older producers with the same id (an instance
   * that lost the partition but does not know yet). Absent: the cluster has no transactions.
   */
  transactionalProducer?(options: { readonly transactionalId: string }): TransactionalProducer;
  reader(options: ReaderOptions): PartitionReader;
  groupConsumer(options: GroupConsumerOptions): GroupConsumer;
  /** Releases shared connections. */
  close(): Promise<void>;
}

/**
 * Assigns partition p of every co-partitioned topic to the same member, spread evenly (shares
 * differ by at most one), and sticky: a member keeps what it owned before (`previous`) as far as
 * its share allows, so a rebalance moves only the partitions it must — each moved partition
 * costs a recovery on its new owner. Deterministic for the same inputs.
 */
export function coPartitionedAssignment(
  memberIds: readonly string[],
  partitions: number,
  previous: ReadonlyMap<string, readonly number[]> = new Map(),
): Map<string, number[]> {
  const members = [...new Set(memberIds)].sort();
  const result = new Map<string, number[]>(members.map((m) => [m, []]));
  if (members.length === 0) return result;
  const base = Math.floor(partitions / members.length);
  const extra = partitions % members.length;
  // The larger shares go to the members that owned the most, so they can keep it.
  const prior = (m: string) => (previous.get(m) ?? []).filter((p) => p >= 0 && p < partitions).length;
  const order = [...members].sort((a, b) => prior(b) - prior(a) || (a < b ? -1 : a > b ? 1 : 0));
  const quota = new Map(order.map((m, i) => [m, base + (i < extra ? 1 : 0)]));
  const taken = new Set<number>();
  for (const m of order) {
    const mine = result.get(m)!;
    const owned = [...new Set(previous.get(m) ?? [])].sort((a, b) => a - b);
    for (const p of owned) {
      if (mine.length >= quota.get(m)!) break;
      // Two members claiming one partition (a stale member): the first in order keeps it.
      if (p < 0 || p >= partitions || taken.has(p)) continue;
      taken.add(p);
      mine.push(p);
    }
  }
  let next = 0;
  for (let p = 0; p < partitions; p++) {
    if (taken.has(p)) continue;
    // Round-robin over members with room left, so fresh assignments interleave partitions.
    for (let tries = 0; tries < order.length; tries++) {
      const m = order[(next + tries) % order.length]!;
      const mine = result.get(m)!;
      if (mine.length < quota.get(m)!) {
        mine.push(p);
        next = (next + tries + 1) % order.length;
        break;
      }
    }
  }
  for (const mine of result.values()) mine.sort((a, b) => a - b);
  return result;
}
