import { type Admin, AssignerProtocol, type Kafka } from 'kafkajs';
import type { PartitionOffsets, TopicSpec } from '../cluster.ts';

/** Replication of the topics this library creates; unset parts follow the cluster's size. */
export interface TopicReplication {
  readonly factor?: number;
  readonly minInsync?: number;
}

/**
 * Production defaults by cluster size: 3 copies with 2 in sync on three or more brokers (an
 * acks=all write survives the loss of any one broker and still refuses to be acknowledged by
 * a lone leader), 1 on a single broker. A given factor gets 2 in sync from 3 copies up.
 */
export function replicationFor(brokers: number, wanted: TopicReplication = {}): Required<TopicReplication> {
  const factor = wanted.factor ?? Math.max(1, Math.min(3, brokers));
  const minInsync = wanted.minInsync ?? (factor >= 3 ? 2 : 1);
  if (!Number.isInteger(factor) || factor < 1)
    throw new RangeError(`replication factor ${factor} is not >= 1`);
  if (!Number.isInteger(minInsync) || minInsync < 1 || minInsync > factor)
    throw new RangeError(
      `min.insync.replicas ${minInsync} must be between 1 and the replication factor ${factor}`,
    );
  return { factor, minInsync };
}

/**
 * Topic metadata and creation through one shared kafkajs admin client, connected on first use.
 */
export class TopicAdmin {
  private readonly admin: Admin;
  private connecting: Promise<void> | undefined;
  private closed = false;

  constructor(
    kafka: Kafka,
    private readonly replication: TopicReplication = {},
  ) {
    this.admin = kafka.admin();
  }

  private async client(): Promise<Admin> {
    if (this.closed) throw new Error('kafka cluster is closed');
    if (!this.connecting) {
      this.connecting = this.admin.connect().catch((error: unknown) => {
        this.connecting = undefined; // let the next call try again
        throw error;
      });
    }
    await this.connecting;
    return this.admin;
  }

  async partitionCount(topic: string): Promise<number | undefined> {
    return (await this.partitionCounts([topic])).get(topic);
  }

  /** Partition counts of those of `topics` that exist. */
  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    const admin = await this.client();
    // Metadata of all topics is one round trip and, unlike asking for a missing topic by name,
    // does not make the broker answer UNKNOWN_TOPIC_OR_PARTITION for it. A topic created a moment
    // ago (by this or another process) can still answer so for its partitions: retry.
    const { topics: all } = await retryRetriable(() => admin.fetchTopicMetadata());
    const wanted = new Set(topics);
    const counts = new Map<string, number>();
    for (const t of all) if (wanted.has(t.name)) counts.set(t.name, t.partitions.length);
    return counts;
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    const unique = new Map<string, TopicSpec>();
    for (const spec of specs) {
      const seen = unique.get(spec.name);
      if (seen && seen.partitions !== spec.partitions) {
        throw new Error(
          `topic "${spec.name}" requested with ${seen.partitions} and ${spec.partitions} partitions`,
        );
      }
      if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
        throw new RangeError(`topic "${spec.name}": partitions must be a positive integer`);
      }
      unique.set(spec.name, spec);
    }
    if (unique.size === 0) return;
    const wanted = [...unique.values()];
    const existing = await this.partitionCounts(wanted.map((s) => s.name));
    checkCounts(wanted, existing);
    const missing = wanted.filter((s) => !existing.has(s.name));
    if (missing.length === 0) return;
    const admin = await this.client();
    const { factor, minInsync } = await this.topicReplication(admin);
    try {
      // Resolves false when every topic existed already (another instance was faster).
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.name,
          numPartitions: s.partitions,
          replicationFactor: factor,
          configEntries: [
            { name: 'min.insync.replicas', value: String(minInsync) },
            ...(s.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
          ],
        })),
      });
    } catch (error) {
      // A concurrent creator may have won part of the race, and a topic created a moment ago
      // can be missing from this broker's metadata (kafkajs' wait for leaders gives up on
      // UNKNOWN_TOPIC_OR_PARTITION at once): only a topic that stays missing is an error.
      if (!(await this.appears(missing.map((s) => s.name)))) throw error;
    }
    // Whoever created them, they must have the partition count asked for.
    checkCounts(missing, await this.partitionCounts(missing.map((s) => s.name)));
  }

  /** The configured replication, completed from the number of brokers the cluster has now. */
  private async topicReplication(admin: Admin): Promise<Required<TopicReplication>> {
    if (this.replication.factor !== undefined && this.replication.minInsync !== undefined)
      return replicationFor(0, this.replication);
    const { brokers } = await retryRetriable(() => admin.describeCluster());
    return replicationFor(brokers.length, this.replication);
  }

  /** Polls metadata until every topic is listed (true) or `timeoutMs` passed (false). */
  private async appears(topics: readonly string[], timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const now = await this.partitionCounts(topics);
      if (topics.every((t) => now.has(t))) return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async offsets(topic: string): Promise<PartitionOffsets[]> {
    const admin = await this.client();
    // kafkajs retries this call only for an unknown topic and gives up at once on a retriable
    // error such as NOT_LEADER_FOR_PARTITION, which a freshly created topic answers for a moment.
    const offsets = await retryRetriable(() => admin.fetchTopicOffsets(topic));
    return offsets
      .map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
      .sort((a, b) => a.partition - b.partition);
  }

  /** Committed offsets (next to consume) of `group` for one partition of each topic; absent when none. */
  async committedOffsets(
    group: string,
    topics: readonly string[],
    partition: number,
  ): Promise<Map<string, number>> {
    const admin = await this.client();
    const answers = await admin.fetchOffsets({ groupId: group, topics: [...topics] });
    const offsets = new Map<string, number>();
    for (const { topic, partitions } of answers) {
      const found = partitions.find((p) => p.partition === partition);
      const offset = found ? Number(found.offset) : -1;
      if (offset >= 0) offsets.set(topic, offset);
    }
    return offsets;
  }

  /**
   * The group's state and the user data of one member's assignment as the coordinator holds them
   * (routed reads: followers learn the leader's host map here; kafkajs drops it at the join).
   * `found` is false when the member is not in the group.
   */
  async memberAssignment(
    group: string,
    memberId: string,
  ): Promise<{ state: string; userData: Buffer | undefined; found: boolean }> {
    const admin = await this.client();
    const { groups } = await retryRetriable(() => admin.describeGroups([group]));
    const described = groups.find((g) => g.groupId === group);
    const member = described?.members.find((m) => m.memberId === memberId);
    if (!described || !member)
      return { state: described?.state ?? 'Unknown', userData: undefined, found: false };
    const decoded =
      member.memberAssignment.length > 0
        ? AssignerProtocol.MemberAssignment.decode(member.memberAssignment)
        : null;
    return { state: described.state, userData: decoded?.userData, found: true };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.connecting) {
      await this.connecting.catch(() => undefined);
      await this.admin.disconnect();
    }
  }
}

function checkCounts(specs: readonly TopicSpec[], counts: ReadonlyMap<string, number>): void {
  const wrong = specs.filter((s) => counts.has(s.name) && counts.get(s.name) !== s.partitions);
  if (wrong.length > 0) {
    throw new Error(
      wrong
        .map(
          (s) => `topic "${s.name}" exists with ${counts.get(s.name)} partitions, expected ${s.partitions}`,
        )
        .join('; '),
    );
  }
}

/** Retries errors kafkajs marks retriable (leader moving, coordinator loading), with backoff. */
async function retryRetriable<T>(call: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const retriable = (error as { retriable?: boolean }).retriable === true;
      if (!retriable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * 2 ** attempt)));
    }
  }
}
