import { type MessageToProduce, ProduceAcks, type ProduceResult, type Producer } from '@platformatic/kafka';
import type { RetryOptions } from 'kafkajs';
import { perTopic } from '../../per-topic.ts';
import type { ClusterProducer, OutgoingRecord, RecordMetadata } from '../cluster.ts';
import { chunkEnd } from './chunks.ts';
import { FastProduceProducer } from './produce-client.ts';

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
 * Requests that share a topic-partition leave one after another: a request waits until every
 * earlier one carrying any of its partitions settled (its retries included), so a retried request
 * can never land behind a later one of the same partition. Requests on disjoint partitions may
 * overlap (a pipelining caller, e.g. an Emitter with `requestsInFlight` > 1). This producer is not
 * idempotent — like the kafkajs one it stands in for — so @platformatic/kafka 1.x's hazard with
 * overlapping idempotent requests (sequence numbers advanced only when a response arrives, so the
 * broker drops the second request as a duplicate while acknowledging it; upstream issue #326,
 * fixed in 2.3) cannot occur. A failed request rejects its `send`; a retry after a lost response
 * may duplicate records (at-least-once), never drop them.
 */
export class PlatformaticProducer implements ClusterProducer {
  private readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  private readonly maxPartitionBytes: number;
  /** Per topic and partition, the settlement of the last request carrying it. */
  private readonly tails = new Map<string, (Promise<unknown> | undefined)[]>();
  /** Requests not yet settled, for close. */
  private readonly pending = new Set<Promise<unknown>>();
  private closed = false;

  constructor(options: PlatformaticProducerOptions) {
    const { retries = 5 } = options.retry;
    this.maxPartitionBytes = options.maxPartitionBytes;
    // platformatic's producer, its record batches written by record-batch.ts (a third of its CPU).
    this.producer = new FastProduceProducer({
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
    // The earlier requests this one must follow: those carrying one of its partitions.
    const before = new Set<Promise<unknown>>();
    const mine: (readonly [(Promise<unknown> | undefined)[], number])[] = [];
    const seen = new Map<string, boolean[]>();
    for (const r of records) {
      const parts = perTopic(seen, r.topic);
      if (parts[r.partition]) continue;
      parts[r.partition] = true;
      const tails = perTopic(this.tails, r.topic);
      const tail = tails[r.partition];
      if (tail) before.add(tail);
      mine.push([tails, r.partition]);
    }
    const result =
      before.size === 0
        ? this.sendInChunks(records)
        : Promise.all(before).then(() => this.sendInChunks(records));
    const settled: Promise<unknown> = result.then(
      () => this.settle(settled, mine),
      () => this.settle(settled, mine),
    );
    for (const [tails, partition] of mine) tails[partition] = settled;
    this.pending.add(settled);
    return result;
  }

  private settle(
    settled: Promise<unknown>,
    mine: readonly (readonly [(Promise<unknown> | undefined)[], number])[],
  ): void {
    this.pending.delete(settled);
    // A later request may have become the partition's tail meanwhile; it stays.
    for (const [tails, partition] of mine) if (tails[partition] === settled) tails[partition] = undefined;
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
    await Promise.all(this.pending);
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
