import {
  type Cluster,
  type ClusterProducer,
  type CommitOffset,
  type ConsumedRecord,
  coPartitionedAssignment,
  type GroupConsumer,
  type GroupConsumerOptions,
  type GroupHandler,
  type OutgoingRecord,
  type PartitionOffsets,
  type PartitionReader,
  type ReaderOptions,
  type RecordMetadata,
  type TopicSpec,
  type TransactionalProducer,
} from './cluster.ts';

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
}

export interface StoredRecord extends ConsumedRecord {
  /** Global append order, used to interleave the topics of one partition as they were written. */
  readonly seq: number;
}

class PartitionLog {
  readonly records: StoredRecord[] = [];
  high = 0;
  low = 0;
  private readonly listeners = new Set<() => void>();

  append(record: Omit<StoredRecord, 'offset'>): StoredRecord {
    const stored = { ...record, offset: this.high++ };
    this.records.push(stored);
    this.wake();
    return stored;
  }

  /** Records with offset >= from, at most max. */
  read(from: number, max: number): StoredRecord[] {
    let lo = 0;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.records[mid]!.offset < from) lo = mid + 1;
      else hi = mid;
    }
    return this.records.slice(lo, lo + max);
  }

  /** Calls `listener` on appends until the returned function removes it. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private wake(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

class MemoryTopic {
  readonly logs: PartitionLog[];
  constructor(
    readonly name: string,
    partitions: number,
    readonly compacted: boolean,
  ) {
    this.logs = Array.from({ length: partitions }, () => new PartitionLog());
  }
  log(partition: number): PartitionLog {
    const log = this.logs[partition];
    if (!log)
      throw new Error(`topic "${this.name}" has no partition ${partition} (it has ${this.logs.length})`);
    return log;
  }
}

/** A loop that delivers records of some partitions to a callback until stopped. */
class Pump {
  private active = true;
  private busy = false;
  private readonly done: Promise<void>;
  private wakeCurrent: (() => void) | undefined;

  private sources: { log: PartitionLog; position: number }[] = [];
  private stopped!: () => void;

  /**
   * `sources` is called once `gate` resolved (at once without a gate): a group member's positions
   * are its committed offsets as of when its partition became ready, like Kafka's fetch after
   * `ready`. A gate that rejects ends the pump without delivering.
   */
  constructor(
    sources: () => { log: PartitionLog; position: number }[],
    private readonly maxBatch: number,
    private readonly deliver: (records: StoredRecord[]) => Promise<void>,
    private readonly onError: (error: Error) => void,
    gate?: Promise<void>,
  ) {
    if (!gate) this.sources = sources();
    const stop = new Promise<boolean>((resolve) => {
      this.stopped = () => resolve(false);
    });
    this.done = gate
      ? Promise.race([gate.then(() => true), stop]).then(
          (go) => {
            if (!go || !this.active) return;
            this.sources = sources();
            return this.run();
          },
          () => undefined,
        )
      : this.run();
  }

  get caughtUp(): boolean {
    return !this.busy && this.sources.every((s) => s.position >= s.log.high);
  }

  private async run(): Promise<void> {
    while (this.active) {
      const batch = this.collect();
      if (batch.length === 0) {
        await new Promise<void>((resolve) => {
          const unlisten = this.sources.map((s) => s.log.listen(wake));
          function wake() {
            for (const u of unlisten) u();
            resolve();
          }
          this.wakeCurrent = wake;
        });
        this.wakeCurrent = undefined;
        continue;
      }
      this.busy = true;
      try {
        await this.deliver(batch);
      } catch (error) {
        this.active = false;
        this.onError(error instanceof Error ? error : new Error(String(error)));
      } finally {
        this.busy = false;
      }
    }
  }

  /** Next records across all sources in the order they were appended. */
  private collect(): StoredRecord[] {
    if (this.sources.length === 1) {
      const s = this.sources[0]!;
      const records = s.log.read(s.position, this.maxBatch);
      if (records.length > 0) s.position = records[records.length - 1]!.offset + 1;
      return records;
    }
    const pending = this.sources.map((s) => ({ s, records: s.log.read(s.position, this.maxBatch), i: 0 }));
    const out: StoredRecord[] = [];
    while (out.length < this.maxBatch) {
      let best: (typeof pending)[number] | undefined;
      for (const p of pending) {
        const r = p.records[p.i];
        if (r && (!best || r.seq < best.records[best.i]!.seq)) best = p;
      }
      if (!best) break;
      const r = best.records[best.i++]!;
      best.s.position = r.offset + 1;
      out.push(r);
    }
    return out;
  }

  async stop(): Promise<void> {
    this.active = false;
    this.stopped();
    this.wakeCurrent?.();
    await this.done;
  }
}

interface Member {
  readonly id: string;
  readonly handler: GroupHandler;
  partitions: number[];
  pumps: Pump[];
}

class MemoryGroup {
  readonly members = new Map<string, Member>();
  readonly committed = new Map<string, number>();
  /** What each member owned before the current rebalance. */
  readonly previous = new Map<string, readonly number[]>();
  private chain: Promise<void> = Promise.resolve();
  rebalancing = 0;

  constructor(
    readonly id: string,
    readonly topics: readonly string[],
  ) {}

  /** Rebalances run one after another, like a group coordinator's generations. */
  enqueue(work: () => Promise<void>): Promise<void> {
    this.rebalancing++;
    const next = this.chain.then(work).finally(() => {
      this.rebalancing--;
    });
    this.chain = next.catch(() => undefined);
    return next;
  }
}

export class MemoryCluster implements Cluster {
  readonly description = 'memory';
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  private readonly maxBatch: number;
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly groups = new Map<string, MemoryGroup>();
  private readonly readers = new Set<Pump>();
  private seq = 0;
  private memberSeq = 0;

  constructor(options: MemoryClusterOptions = {}) {
    this.defaultPartitions = options.partitions ?? 1;
    this.autoCreateTopics = options.autoCreateTopics ?? true;
    this.maxBatch = options.maxBatch ?? 500;
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
        for (const o of offsets) {
          const key = `${o.topic}/${o.partition}`;
          if ((g.committed.get(key) ?? -1) < o.offset) g.committed.set(key, o.offset);
        }
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
      group = new MemoryGroup(options.group, options.topics);
      this.groups.set(options.group, group);
    }
    const g = group;
    const member: Member = { id, handler: options.handler, partitions: [], pumps: [] };
    return {
      start: () =>
        g.enqueue(async () => {
          g.members.set(id, member);
          await this.rebalance(g);
        }),
      commit: async (offsets: readonly CommitOffset[]) => {
        for (const o of offsets) {
          const key = `${o.topic}/${o.partition}`;
          if ((g.committed.get(key) ?? -1) < o.offset) g.committed.set(key, o.offset);
        }
      },
      stop: () =>
        g.enqueue(async () => {
          if (!g.members.has(id)) return;
          await this.revokeAll(g);
          g.members.delete(id);
          await this.assignAll(g);
        }),
    };
  }

  private async rebalance(group: MemoryGroup): Promise<void> {
    await this.revokeAll(group);
    await this.assignAll(group);
  }

  private async revokeAll(group: MemoryGroup): Promise<void> {
    for (const member of group.members.values()) {
      await Promise.all(member.pumps.map((p) => p.stop()));
      member.pumps = [];
      if (member.partitions.length > 0) await member.handler.revoked(member.partitions);
      // Remembered for a sticky assignment, like a Kafka member's user data.
      group.previous.set(member.id, member.partitions);
      member.partitions = [];
    }
  }

  private async assignAll(group: MemoryGroup): Promise<void> {
    if (group.members.size === 0) return;
    const counts = group.topics.map((t) => this.topic(t).logs.length);
    const partitions = Math.max(...counts);
    const assignment = coPartitionedAssignment([...group.members.keys()], partitions, group.previous);
    group.previous.clear();
    for (const member of group.members.values()) {
      member.partitions = assignment.get(member.id) ?? [];
      await member.handler.assigned(member.partitions);
    }
    for (const member of group.members.values()) {
      member.pumps = member.partitions.map((partition) => {
        const sources = () =>
          group.topics
            .filter((t) => partition < this.topic(t).logs.length)
            .map((t) => {
              const log = this.topic(t).log(partition);
              return { log, position: Math.max(group.committed.get(`${t}/${partition}`) ?? 0, log.low) };
            });
        // Like the Kafka consumer, a partition's records are held back until it is ready (its
        // tables recovered), so a revocation never waits behind a batch blocked on recovery.
        return new Pump(
          sources,
          this.maxBatch,
          (records) => member.handler.batch(partition, records),
          (error) => member.handler.crashed(error),
          member.handler.ready?.(partition),
        );
      });
    }
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

  committedOffset(group: string, topic: string, partition: number): number | undefined {
    return this.groups.get(group)?.committed.get(`${topic}/${partition}`);
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
          for (const t of group.topics) {
            const log = this.topics.get(t)?.logs[partition];
            if (!log) continue;
            if ((group.committed.get(`${t}/${partition}`) ?? 0) < log.high) return false;
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
          for (const t of group.topics) {
            const log = this.topics.get(t)?.logs[partition];
            const committed = group.committed.get(`${t}/${partition}`) ?? 0;
            if (log && committed < log.high)
              out.push(`group ${group.id} ${t}/${partition}: committed ${committed} of ${log.high}`);
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
