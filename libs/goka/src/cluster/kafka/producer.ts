import type {
  Kafka,
  RecordMetadata as KafkaRecordMetadata,
  Message,
  Producer,
  ProducerBatch,
  RetryOptions,
  TopicMessages,
} from 'kafkajs';
import type { ClusterProducer, OutgoingRecord, RecordMetadata } from '../cluster.ts';
import { withCachedCoordinators } from './coordinator-cache.ts';

/**
 * The seam always names the partition (the library computes Java-compatible murmur2 itself),
 * so kafkajs' partitioner only reads it back. Setting one explicitly also silences kafkajs'
 * "default partitioner changed" warning.
 */
const explicitPartitioner = () => (args: { message: Message }) => {
  const partition = args.message.partition;
  if (partition === undefined) throw new Error('goka: every record must name its partition');
  return partition;
};

/**
 * A kafkajs producer behind `ClusterProducer`: one `sendBatch` per `send()` call, acks=all.
 * Callers (BatchingProducer) never have two requests carrying one partition in flight (one
 * request at a time, or with `maxInFlight` requests on disjoint partitions), which keeps each
 * partition's order without idempotence.
 */
export class KafkaProducer implements ClusterProducer {
  protected readonly producer: Producer;
  private connecting: Promise<void> | undefined;
  protected closed = false;

  constructor(
    kafka: Kafka,
    protected readonly maxPartitionBytes: number,
    /** Makes it transactional (kafkajs then requires idempotence and one request in flight). */
    transactionalId?: string,
    /** kafkajs retries of this producer; default: the client's. */
    retry?: RetryOptions,
  ) {
    const make = () =>
      kafka.producer({
        createPartitioner: explicitPartitioner,
        // Topics are created deliberately (ensureTopics); a typo must not create one.
        allowAutoTopicCreation: false,
        ...(transactionalId ? { transactionalId, idempotent: true, maxInFlightRequests: 1 } : {}),
        ...(retry ? { retry } : {}),
      });
    // Transactions: no FindCoordinator round trip before each of their requests.
    this.producer = transactionalId ? withCachedCoordinators(kafka, make) : make();
  }

  protected connect(): Promise<void> {
    if (!this.connecting) {
      this.connecting = this.producer.connect().catch((error: unknown) => {
        this.connecting = undefined;
        throw error;
      });
    }
    return this.connecting;
  }

  async send(records: readonly OutgoingRecord[]): Promise<RecordMetadata[]> {
    if (this.closed) throw new Error('producer is closed');
    if (records.length === 0) return [];
    await this.connect();
    return sendInChunks((batch) => this.producer.sendBatch(batch), records, this.maxPartitionBytes);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.connecting) {
      await this.connecting.catch(() => undefined);
      await this.producer.disconnect();
    }
  }
}

/** An upper estimate of a record's size in a v2 record batch. */
function recordSize(r: OutgoingRecord): number {
  let size = 32 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  if (r.headers)
    for (const [name, value] of Object.entries(r.headers)) size += 10 + name.length * 3 + value.length * 3;
  return size;
}

type SendBatch = (batch: ProducerBatch) => Promise<KafkaRecordMetadata[]>;

/**
 * kafkajs puts all records of a partition into one record batch, which the broker rejects
 * above its message.max.bytes (1 MiB by default): requests are cut so that no partition's share
 * exceeds `maxPartitionBytes`. They leave one after another, which keeps the order.
 */
export async function sendInChunks(
  sendBatch: SendBatch,
  records: readonly OutgoingRecord[],
  maxPartitionBytes: number,
): Promise<RecordMetadata[]> {
  const metas: RecordMetadata[] = [];
  let start = 0;
  while (start < records.length) {
    const end = chunkEnd(records, start, maxPartitionBytes);
    metas.push(...(await sendChunk(sendBatch, records, start, end)));
    start = end;
  }
  return metas;
}

/** The end of the longest run from `start` in which no partition gets more than the limit. */
function chunkEnd(records: readonly OutgoingRecord[], start: number, maxPartitionBytes: number): number {
  const bytes = new Map<string, number>();
  for (let i = start; i < records.length; i++) {
    const r = records[i]!;
    const key = `${r.partition}\u0000${r.topic}`;
    const size = (bytes.get(key) ?? 0) + recordSize(r);
    if (size > maxPartitionBytes && i > start) return i;
    bytes.set(key, size);
  }
  return records.length;
}

async function sendChunk(
  sendBatch: SendBatch,
  records: readonly OutgoingRecord[],
  start: number,
  end: number,
): Promise<RecordMetadata[]> {
  // kafkajs keys its per-request state by topic: one entry per topic, records in send order.
  const byTopic = new Map<string, Message[]>();
  for (let i = start; i < end; i++) {
    const r = records[i]!;
    let messages = byTopic.get(r.topic);
    if (!messages) {
      messages = [];
      byTopic.set(r.topic, messages);
    }
    messages.push({
      partition: r.partition,
      key: r.key,
      value: r.value,
      ...(r.headers ? { headers: r.headers } : {}),
      ...(r.timestamp !== undefined ? { timestamp: String(r.timestamp) } : {}),
    });
  }
  const topicMessages: TopicMessages[] = [];
  for (const [topic, messages] of byTopic) topicMessages.push({ topic, messages });
  const responses = await sendBatch({ acks: -1, topicMessages });
  // One response per topic-partition with the offset of its first record; the partition's
  // records follow in the order they were sent.
  const next = new Map<string, number>();
  for (const r of responses) {
    if (r.baseOffset === undefined) throw new Error(`no offset for ${r.topicName}/${r.partition}`);
    next.set(`${r.partition}\u0000${r.topicName}`, Number(r.baseOffset));
  }
  const metas: RecordMetadata[] = new Array(end - start);
  for (let i = start; i < end; i++) {
    const r = records[i]!;
    const key = `${r.partition}\u0000${r.topic}`;
    const offset = next.get(key);
    if (offset === undefined) throw new Error(`no acknowledgement for ${r.topic}/${r.partition}`);
    next.set(key, offset + 1);
    metas[i - start] = { topic: r.topic, partition: r.partition, offset };
  }
  return metas;
}
