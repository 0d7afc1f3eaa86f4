import { setTimeout as sleep } from 'node:timers/promises';
import { type Admin, type ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';

/** kafkajs' `ConfigResourceTypes.TOPIC`; the enum is not importable by name from ESM (CommonJS package). */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

/** Leader, replicas and in-sync replicas of one partition, as the cluster's metadata says. */
export interface PartitionState {
  topic: string;
  partition: number;
  /** Node id of the leader; -1 while the partition has none (offline). */
  leader: number;
  replicas: number[];
  isr: number[];
}

/**
 * Every partition of every topic (internal ones included) in one metadata round trip. Pass
 * only nodes that answer: a SIGSTOPped node accepts connections but never replies.
 */
export async function partitionStates(
  brokers: readonly string[],
  timeoutMs = 10_000,
): Promise<PartitionState[]> {
  return withAdmin(brokers, timeoutMs, async (admin) => {
    const names = await admin.listTopics();
    const { topics } = await admin.fetchTopicMetadata({ topics: names });
    return topics.flatMap((t) =>
      t.partitions.map((p) => ({
        topic: t.name,
        partition: p.partitionId,
        leader: p.leader,
        replicas: [...p.replicas],
        isr: [...p.isr],
      })),
    );
  });
}

/** One config value (e.g. `min.insync.replicas`) of each topic, as the brokers apply it. */
export async function topicConfigValues(
  brokers: readonly string[],
  topics: readonly string[],
  name: string,
): Promise<Map<string, string | undefined>> {
  return withAdmin(brokers, 10_000, async (admin) => {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((topic) => ({
        type: TOPIC_RESOURCE,
        name: topic,
        configNames: [name],
      })),
    });
    return new Map(
      resources.map((r) => [r.resourceName, r.configEntries.find((e) => e.configName === name)?.configValue]),
    );
  });
}

/** A short-lived admin client with a bounded request time (a paused node must not hang it). */
async function withAdmin<T>(
  brokers: readonly string[],
  timeoutMs: number,
  use: (admin: Admin) => Promise<T>,
): Promise<T> {
  const kafka = new Kafka({
    clientId: 'kafka-infra-health',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: timeoutMs,
    retry: { retries: 2, initialRetryTime: 200 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await use(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Partitions each node leads (nodes leading none are absent). */
export function leaderCounts(states: readonly PartitionState[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const s of states) if (s.leader >= 0) counts.set(s.leader, (counts.get(s.leader) ?? 0) + 1);
  return counts;
}

/** The node leading the most partitions: the one whose loss moves the most leaders. */
export function busiestLeader(states: readonly PartitionState[]): number | undefined {
  let best: [number, number] | undefined;
  for (const [node, count] of leaderCounts(states)) if (!best || count > best[1]) best = [node, count];
  return best?.[0];
}

/** Partitions without a leader or with fewer in-sync replicas than replicas. */
export function underReplicated(states: readonly PartitionState[]): PartitionState[] {
  return states.filter((s) => s.leader < 0 || s.isr.length < s.replicas.length);
}

/**
 * Waits until every partition has a leader and all its replicas in sync — the point where a
 * rolling restart may take the next node down without risking `min.insync.replicas`.
 */
export async function waitForInSync(
  brokers: readonly string[],
  { timeoutMs = 120_000 }: { timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const lagging = underReplicated(await partitionStates(brokers));
      if (lagging.length === 0) return;
      last = `${lagging.length} partitions not fully in sync, e.g. ${lagging
        .slice(0, 3)
        .map((s) => `${s.topic}/${s.partition} isr [${s.isr}] of [${s.replicas}]`)
        .join(', ')}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(500);
  }
  throw new Error(`cluster ${brokers.join(',')} not in sync after ${timeoutMs} ms: ${last}`);
}
