import type {
  Cluster,
  ClusterProducer,
  CommitOffset,
  GroupConsumer,
  GroupConsumerOptions,
  OutgoingRecord,
  PartitionOffsets,
  PartitionReader,
  ReaderOptions,
  RecordMetadata,
  TopicSpec,
  TransactionalProducer,
} from './cluster.ts';
import { MemoryGroup } from './memory/memory-group.ts';
import { MemoryTopic, type StoredRecord } from './memory/partition-log.ts';
import { Pump } from './memory/pump.ts';

export type { StoredRecord } from './memory/partition-log.ts';

/**
 * An in-process Kafka: topics with partitions and offsets, compaction, consumer groups with
 * committed offsets and eager rebalances. Processors, views and emitters run on it through the
 * same `Cluster` seam as on Kafka, so the tester exercises the real pipeline.
 *
 * Delivery is driven by promises only (no timers), which makes runs deterministic: the same
 * sequence of calls gives the same interleaving.
 */
export interface MemoryClusterOptions {
  /** Partition count of topics created implicitly (emitter targets, outputs). Default 1. */
  readonly partitions?: number;
  /** Default true: an in-memory cluster is for tests, where explicit topic setup is noise. */
  readonly autoCreateTopics?: boolean;
  /** Max records per delivered batch. Default 500. */
  readonly maxBatch?: number;
  /** Group members' session timeout (see `stallHeartbeats`). Default 10 s. */
  readonly sessionTimeoutMs?: number;
}

export class MemoryCluster implements Cluster {
  readonly description = 'memory';
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  private readonly maxBatch: number;
  private readonly sessionTimeoutMs: number;
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly groups = new Map<string, MemoryGroup>();
  private readonly readers = new Set<Pump>();
  private seq = 0;
  private memberSeq = 0;

  constructor(options: MemoryClusterOptions = {}) {
    this.defaultPartitions = options.partitions ?? 1;
    this.autoCreateTopics = options.autoCreateTopics ?? true;
    this.maxBatch = options.maxBatch ?? 500;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
  }

  async partitionCount(topic: string): Promise<number | undefined> {
    return this.topics.get(topic)?.logs.length;
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    for (const spec of specs) this.createTopic(spec);
  }

  /** Synchronous variant for test setup. */
  createTopic(spec: TopicSpec): void {
    const existing = this.topics.get(spec.name);
    if (existing) {
      if (existing.logs.length !== spec.partitions) {
        throw new Error(
          `topic "${spec.name}" exists with ${existing.logs.length} partitions, expected ${spec.partitions}`,
        );
      }
      return;
    }
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
      throw new RangeError(`topic "${spec.name}": partitions must be a positive integer`);
    }
    this.topics.set(spec.name, new MemoryTopic(spec.name, spec.partitions, spec.compacted ?? false));
  }

  async offsets(topic: string): Promise<PartitionOffsets[]> {
    return this.topic(topic).logs.map((log, partition) => ({ partition, low: log.low, high: log.high }));
  }

  /** Appends a transaction's records and commits its offsets in one synchronous step. */
  transactionalProducer(): TransactionalProducer {
    const producer = this.producer();
    return {
      init: async () => undefined,
      commit: async (records, group, offsets) => {
        const g = this.groups.get(group);
        if (!g) throw new Error(`unknown consumer group "${group}"`);
        for (const o of offsets) this.topic(o.topic).log(o.partition);
        const metas = await producer.send(records);
        g.commit(offsets);
        return metas;
      },
      close: () => producer.close(),
    };
  }

  producer(): ClusterProducer {
    let closed = false;
    return {
      send: async (records: readonly OutgoingRecord[]): Promise<RecordMetadata[]> => {
        if (closed) throw new Error('producer is closed');
        // Validate the whole batch first: a produce request either lands entirely or not at all.
        const logs = records.map((r) => this.topic(r.topic).log(r.partition));
        return records.map((r, i) => {
          const stored = logs[i]!.append({
            topic: r.topic,
            partition: r.partition,
            key: r.key,
            value: r.value,
            headers: r.headers ?? {},
            timestamp: r.timestamp ?? Date.now(),
            seq: this.seq++,
          });
          return { topic: r.topic, partition: r.partition, offset: stored.offset };
        });
      },
      close: async () => {
        closed = true;
      },
    };
  }

  reader(options: ReaderOptions): PartitionReader {
    const pumps: Pump[] = [];
    return {
      start: async () => {
        const topic = this.topic(options.topic);
        for (const { partition, from } of options.partitions) {
          const log = topic.log(partition);
          const pump = new Pump(
            () => [{ log, position: Math.max(from, log.low) }],
            this.maxBatch,
            (records) =>
              options.onBatch(partition, records, records[records.length - 1]!.offset + 1, log.high),
            () => undefined,
          );
          pumps.push(pump);
          this.readers.add(pump);
        }
      },
      stop: async () => {
        for (const pump of pumps) this.readers.delete(pump);
        await Promise.all(pumps.map((p) => p.stop()));
      },
    };
  }

  groupConsumer(options: GroupConsumerOptions): GroupConsumer {
    const id = `${options.group}-member-${++this.memberSeq}`;
    let group = this.groups.get(options.group);
    if (!group) {
      group = new MemoryGroup(
        options.group,
        options.topics,
        (name) => this.topic(name),
        this.maxBatch,
        this.sessionTimeoutMs,
      );
      this.groups.set(options.group, group);
    }
    const g = group;
    return {
      membership: g.membership,
      start: () => g.join(id, options.handler, options.routing),
      commit: async (offsets: readonly CommitOffset[]) => g.commit(offsets),
      pause: (partition) => g.pause(id, partition),
      seekToCommitted: async () => undefined, // resume reads from the committed offsets anyway
      resume: (partition) => g.resume(id, partition),
      stop: () => g.leave(id),
    };
  }

  private topic(name: string): MemoryTopic {
    const topic = this.topics.get(name);
    if (!topic) throw new Error(`unknown topic "${name}"`);
    return topic;
  }

  async close(): Promise<void> {}

  // ---- inspection, for the tester and for tests ---------------------------------------------

  /** Synchronous partition count, for test tooling; undefined when the topic does not exist. */
  partitionsOf(topic: string): number | undefined {
    return this.topics.get(topic)?.logs.length;
  }

  topicNames(): string[] {
    return [...this.topics.keys()].sort();
  }

  /** Every record of a partition still in the log, in offset order. */
  records(topic: string, partition: number): readonly StoredRecord[] {
    return this.topic(topic).log(partition).records;
  }

  /**
   * Simulates members that froze: the group's coordinator acknowledges no heartbeat from now on,
   * so their membership leases run out after the session timeout while they go on running.
   */
  stallHeartbeats(group: string): void {
    this.groupNamed(group).stallHeartbeats();
  }

  /** Heartbeats are acknowledged again; `expel`: the members were expelled and rejoin anew. */
  resumeHeartbeats(group: string, options: { readonly expel?: boolean } = {}): Promise<void> {
    return this.groupNamed(group).resumeHeartbeats(options);
  }

  private groupNamed(name: string): MemoryGroup {
    const group = this.groups.get(name);
    if (!group) throw new Error(`unknown group "${name}"`);
    return group;
  }

  committedOffset(group: string, topic: string, partition: number): number | undefined {
    return this.groups.get(group)?.committedOffset(topic, partition);
  }

  /**
   * Removes the records before `offset` and moves the log start there, as Kafka's retention or
   * `DeleteRecords` does (for tests of stores whose checkpoint fell behind the log start).
   */
  deleteRecords(topicName: string, partition: number, offset: number): void {
    const log = this.topic(topicName).log(partition);
    const low = Math.min(Math.max(offset, log.low), log.high);
    const kept = log.records.findIndex((r) => r.offset >= low);
    log.records.splice(0, kept === -1 ? log.records.length : kept);
    log.low = low;
  }

  /** Keeps only the latest record of each key, as Kafka's log cleaner eventually does. */
  compact(topicName: string): void {
    const topic = this.topic(topicName);
    if (!topic.compacted) throw new Error(`topic "${topicName}" is not compacted`);
    for (const log of topic.logs) {
      const latest = new Map<string, number>();
      for (const r of log.records) latest.set(r.key?.toString('base64') ?? '', r.offset);
      const kept = log.records.filter((r) => latest.get(r.key?.toString('base64') ?? '') === r.offset);
      log.records.splice(0, log.records.length, ...kept);
    }
  }

  /**
   * True when every group member has committed everything of its partitions and every reader
   * has delivered everything: nothing is left to process anywhere.
   */
  isIdle(): boolean {
    for (const group of this.groups.values()) {
      if (group.rebalancing > 0) return false;
      if (group.members.size === 0) continue;
      for (const member of group.members.values()) {
        for (const partition of member.partitions) {
          for (const topic of group.topics) {
            const log = this.topics.get(topic)?.logs[partition];
            if (!log) continue;
            if ((group.committedOffset(topic, partition) ?? 0) < log.high) return false;
          }
        }
      }
    }
    for (const pump of this.readers) if (!pump.caughtUp) return false;
    return true;
  }

  /** Describes what is not idle, for a useful timeout message. */
  describeBacklog(): string[] {
    const out: string[] = [];
    for (const group of this.groups.values()) {
      if (group.rebalancing > 0) out.push(`group ${group.id} is rebalancing`);
      for (const member of group.members.values()) {
        for (const partition of member.partitions) {
          for (const topic of group.topics) {
            const log = this.topics.get(topic)?.logs[partition];
            const committed = group.committedOffset(topic, partition) ?? 0;
            if (log && committed < log.high)
              out.push(`group ${group.id} ${topic}/${partition}: committed ${committed} of ${log.high}`);
          }
        }
      }
    }
    let busyReaders = 0;
    for (const pump of this.readers) if (!pump.caughtUp) busyReaders++;
    if (busyReaders > 0) out.push(`${busyReaders} reader partition(s) behind`);
    return out;
  }
}

export function memoryCluster(options: MemoryClusterOptions = {}): MemoryCluster {
  return new MemoryCluster(options);
}
