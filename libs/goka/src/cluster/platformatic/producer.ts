import { type MessageToProduce, ProduceAcks, type ProduceResult, Producer } from '@platformatic/kafka';
import type { RetryOptions } from 'kafkajs';
import type { ClusterProducer, OutgoingRecord, RecordMetadata } from '../cluster.ts';
import { chunkEnd } from './chunks.ts';

export interface PlatformaticProducerOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Bytes of one partition in one produce request (the broker's `message.max.bytes`). */
  readonly maxPartitionBytes: number;
  /** The cluster's retry budget, in kafkajs' terms, so both clients ride out the same outage. */
  readonly retry: RetryOptions;
}

export type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

/**
 * `ClusterProducer` on @platformatic/kafka (pure TypeScript, a faster wire path than kafkajs):
 * acks=all, partitions always explicit, one produce request at a time.
 *
 * One request at a time is not only what keeps each partition's order (a retried request could
 * otherwise land behind a later one): @platformatic/kafka 1.x advances an idempotent producer's
 * sequence numbers only when a response arrives, so two overlapping requests would carry the same
 * sequence and the broker would drop the second as a duplicate while acknowledging it (upstream
 * issue #326, fixed in 2.3). This producer is not idempotent — like the kafkajs one it stands in
 * for — and serialises its requests regardless, so neither hazard can occur. A failed request
 * rejects its `send`; a retry after a lost response may duplicate records (at-least-once), never
 * drop them.
 */
export class PlatformaticProducer implements ClusterProducer {
  private readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  private readonly maxPartitionBytes: number;
  /** The last request's settlement: the next one leaves after it. */
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: PlatformaticProducerOptions) {
    const { retries = 5 } = options.retry;
    this.maxPartitionBytes = options.maxPartitionBytes;
    this.producer = new Producer({
      clientId: options.clientId,
      bootstrapBrokers: [...options.brokers],
      acks: ProduceAcks.ALL,
      idempotent: false,
      // Topics are created deliberately (ensureTopics); a typo must not create one.
      autocreateTopics: false,
      // The broker's wait for the in-sync replicas, as kafkajs' default.
      timeout: 30_000,
      connectTimeout: 3_000,
      retries,
      retryDelay: retrySchedule(options.retry),
    });
  }

  send(records: readonly OutgoingRecord[]): Promise<RecordMetadata[]> {
    if (this.closed) return Promise.reject(new Error('producer is closed'));
    if (records.length === 0) return Promise.resolve([]);
    const result = this.tail.then(() => this.sendInChunks(records));
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async sendInChunks(records: readonly OutgoingRecord[]): Promise<RecordMetadata[]> {
    const end = chunkEnd(records, 0, this.maxPartitionBytes);
    if (end === records.length) return this.sendChunk(records, 0, end);
    const metas: RecordMetadata[] = [];
    for (let start = 0; start < records.length; ) {
      const stop = chunkEnd(records, start, this.maxPartitionBytes);
      for (const m of await this.sendChunk(records, start, stop)) metas.push(m);
      start = stop;
    }
    return metas;
  }

  private async sendChunk(
    records: readonly OutgoingRecord[],
    start: number,
    end: number,
  ): Promise<RecordMetadata[]> {
    const messages: Message[] = new Array(end - start);
    for (let i = start; i < end; i++) messages[i - start] = toMessage(records[i]!);
    const result = await this.producer.send({ messages, acks: ProduceAcks.ALL });
    return assignOffsets(records, start, end, result);
  }

  /** Waits for the request in flight, then closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    await this.producer.close();
  }
}

/** kafkajs' schedule without its jitter: doubling from the initial delay up to the maximum. */
export function retrySchedule(
  retry: RetryOptions,
): (client: unknown, operation: string, attempt: number) => number {
  const { initialRetryTime = 300, maxRetryTime = 30_000 } = retry;
  return (_client, _operation, attempt) =>
    Math.min(maxRetryTime, initialRetryTime * 2 ** Math.max(0, attempt - 1));
}

export function toMessage(r: OutgoingRecord): Message {
  // The client mutates what it is given (normalised partition, timestamp): a fresh object each.
  const message: Message = { topic: r.topic, partition: r.partition };
  if (r.key !== null) message.key = r.key;
  // An absent value is written as null: a tombstone.
  if (r.value !== null) message.value = r.value;
  if (r.timestamp !== undefined) message.timestamp = BigInt(r.timestamp);
  if (r.headers) {
    const headers = new Map<Buffer, Buffer>();
    for (const name in r.headers) headers.set(Buffer.from(name), Buffer.from(r.headers[name]!));
    message.headers = headers;
  }
  return message;
}

/**
 * The response has one base offset per topic-partition; the partition's records follow it in the
 * order they were sent (one record batch per partition and request).
 */
export function assignOffsets(
  records: readonly OutgoingRecord[],
  start: number,
  end: number,
  result: ProduceResult,
): RecordMetadata[] {
  const next = new Map<string, number>();
  for (const o of result.offsets ?? []) next.set(`${o.partition}\u0000${o.topic}`, Number(o.offset));
  // One topic in a request is the common case: look its partitions up in an array.
  const topic = records[start]!.topic;
  const nextOfTopic: (number | undefined)[] = [];
  for (const [key, offset] of next) {
    const cut = key.indexOf('\u0000');
    if (key.slice(cut + 1) === topic) nextOfTopic[Number(key.slice(0, cut))] = offset;
  }
  const metas: RecordMetadata[] = new Array(end - start);
  for (let i = start; i < end; i++) {
    const r = records[i]!;
    let offset: number | undefined;
    if (r.topic === topic) {
      offset = nextOfTopic[r.partition];
      if (offset !== undefined) nextOfTopic[r.partition] = offset + 1;
    } else {
      const key = `${r.partition}\u0000${r.topic}`;
      offset = next.get(key);
      if (offset !== undefined) next.set(key, offset + 1);
    }
    if (offset === undefined) throw new Error(`no acknowledgement for ${r.topic}/${r.partition}`);
    metas[i - start] = { topic: r.topic, partition: r.partition, offset };
  }
  return metas;
}
