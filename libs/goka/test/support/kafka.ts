import { setTimeout as sleep } from 'node:timers/promises';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { nanoid } from 'nanoid';
import { pino } from 'pino';
import { brokersFromEnv } from '../../../../infra/kafka/src/index.ts';
import {
  type Cluster,
  type Codec,
  type ConsumedRecord,
  defineGroup,
  type Emitter,
  input,
  json,
  type KafkaClusterOptions,
  kafkaCluster,
  type Logger,
  partitionFor,
  persist,
  View,
} from '../../src/index.ts';

/** The broker the integration tier's global setup provides. */
export function testBrokers(): string[] {
  return brokersFromEnv();
}

/** Quiet unless LOG_LEVEL says otherwise: fault tests provoke errors kafkajs logs loudly. */
export function testLogger(name = 'goka-test'): Logger {
  return pino({ name, level: process.env.LOG_LEVEL ?? 'fatal' });
}

/** Short session timeout (the broker's minimum): a killed member's partitions move within seconds. */
export const SESSION_TIMEOUT_MS = 6_000;

export function testCluster(options: Partial<KafkaClusterOptions> = {}) {
  return kafkaCluster({
    brokers: testBrokers(),
    clientId: 'goka-test',
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: 1_000,
    logger: testLogger(),
    ...options,
  });
}

/** A topic or group name no other test (or earlier run on a long-lived broker) uses. */
export function unique(prefix: string): string {
  return `${prefix}-${nanoid(8).replace(/[^a-zA-Z0-9]/g, 'x')}`;
}

export async function eventually(
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 60_000, intervalMs = 100, what = 'condition' } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A raw kafkajs admin for what the seam does not expose (committed offsets of a group). */
export function rawAdmin(brokers = testBrokers()) {
  return new Kafka({ clientId: 'goka-test-admin', brokers, logLevel: logLevel.NOTHING }).admin();
}

/** Committed offset (next to read) per partition of `topic` for `group`; -1 when none. */
export async function committed(
  admin: ReturnType<typeof rawAdmin>,
  group: string,
  topic: string,
): Promise<Map<number, number>> {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return new Map((offsets?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

/** True when `group` has committed everything `topic` holds. */
export async function caughtUp(
  cluster: Cluster,
  admin: ReturnType<typeof rawAdmin>,
  group: string,
  topic: string,
) {
  const [high, done] = await Promise.all([cluster.offsets(topic), committed(admin, group, topic)]);
  return high.every((o) => o.high === 0 || (done.get(o.partition) ?? -1) >= o.high);
}

/**
 * The count-per-key group of the fault tests. The value keeps, besides the count, every event
 * id applied (so a duplicate application is visible as an id seen twice, a lost event as one
 * missing), which instance incarnation wrote it last and from which input offset (so the
 * changelog tells which writes a killed instance made after its last commit).
 */
export interface Tally {
  n: number;
  ids: string[];
  by: string;
  at: number;
}
export interface CountEvent {
  id: string;
}

export function tallyGroup(name: string, topic: string, instance: string) {
  return defineGroup(
    name,
    persist(json<Tally>()),
    input(topic, json<CountEvent>(), (ctx, event) => {
      const v = ctx.value();
      ctx.setValue({ n: (v?.n ?? 0) + 1, ids: [...(v?.ids ?? []), event.id], by: instance, at: ctx.offset });
    }),
  );
}

/** Duplicates and losses of a finished tally table against the events emitted per key. */
/** Emits event `e<n>` to a key and records it, so `audit` can compare the table with what was sent. */
export function emitCounted(
  emitter: Emitter<CountEvent>,
  emitted: Map<string, string[]>,
  key: string,
  n: number,
): Promise<unknown> {
  const id = `e${n}`;
  const ids = emitted.get(key) ?? [];
  emitted.set(key, ids);
  ids.push(id);
  return emitter.emit(key, { id });
}

export function audit(table: ReadonlyMap<string, Tally>, emitted: ReadonlyMap<string, readonly string[]>) {
  let events = 0;
  let applied = 0;
  let duplicates = 0;
  let lost = 0;
  const lostIds: string[] = [];
  for (const [key, ids] of emitted) {
    events += ids.length;
    const value = table.get(key);
    applied += value?.n ?? 0;
    const seen = new Set(value?.ids ?? []);
    duplicates += (value?.ids.length ?? 0) - seen.size;
    for (const id of ids) {
      if (!seen.has(id)) {
        lost++;
        if (lostIds.length < 10) lostIds.push(id);
      }
    }
  }
  for (const [key, value] of table) if (!emitted.has(key)) applied += value.n;
  return { events, applied, duplicates, lost, lostIds };
}

/** Every record of a topic, read once from the low to the high-water mark seen at the start. */
export async function readTopic(
  cluster: Cluster,
  topic: string,
  timeoutMs = 60_000,
): Promise<ConsumedRecord[]> {
  const offsets = await cluster.offsets(topic);
  const high = new Map(offsets.map((o) => [o.partition, o.high]));
  const pending = new Set(offsets.filter((o) => o.high > o.low).map((o) => o.partition));
  const records: ConsumedRecord[] = [];
  if (pending.size === 0) return records;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const reader = cluster.reader({
    topic,
    name: `test read ${topic}`,
    partitions: offsets.map((o) => ({ partition: o.partition, from: o.low })),
    onBatch: async (partition, batch, next) => {
      for (const r of batch) if (r.offset < high.get(partition)!) records.push(r);
      if (next >= high.get(partition)! && pending.delete(partition) && pending.size === 0) done();
    },
  });
  await reader.start();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      finished,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reading ${topic} took over ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await reader.stop();
  }
  return records;
}

/** The whole table, through a view (which recovers it from the changelog). */
export async function readTable<T>(
  cluster: Cluster,
  table: string,
  codec: Codec<T>,
): Promise<Map<string, T>> {
  const view = new View({ cluster, table, codec, logger: testLogger() });
  try {
    await view.start();
    const entries = new Map<string, T>();
    for await (const [key, value] of view.iterate()) entries.set(key, value);
    return entries;
  } finally {
    await view.stop();
  }
}

/**
 * Writes `keys` tally values straight into a table's changelog (`pre-<i>`, spread over the
 * partitions by murmur2 like the processor would), in large produce requests: a big table to
 * recover, made in a fraction of the time a processor would take. Returns the keys per partition.
 */
export async function fillTable(table: string, partitions: number, keys: number): Promise<number[]> {
  const kafka = new Kafka({ clientId: 'goka-test-fill', brokers: testBrokers(), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({
    createPartitioner:
      () =>
      ({ message }) =>
        message.partition ?? 0,
  });
  await producer.connect();
  const perPartition = new Array<number>(partitions).fill(0);
  try {
    const value = JSON.stringify({ n: 1, ids: ['pre'], by: 'fill', at: 0 } satisfies Tally);
    const CHUNK = 20_000;
    for (let from = 0; from < keys; from += CHUNK) {
      const messages = [];
      for (let i = from; i < Math.min(keys, from + CHUNK); i++) {
        const key = `pre-${i}`;
        const partition = partitionFor(key, partitions);
        perPartition[partition]!++;
        messages.push({ key, value, partition });
      }
      await producer.send({ topic: table, messages, acks: 1, compression: CompressionTypes.None });
    }
  } finally {
    await producer.disconnect();
  }
  return perPartition;
}
