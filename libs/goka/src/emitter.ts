import type { Cluster, Headers, OutgoingRecord, RecordMetadata } from './cluster/cluster.ts';
import type { Codec } from './codec.ts';
import { partitionFor } from './murmur2.ts';
import { BatchingProducer } from './producer/batching-producer.ts';

export interface EmitterOptions<T> {
  readonly cluster: Cluster;
  readonly topic: string;
  readonly codec: Codec<T>;
  /**
   * Produce requests in flight at once (default 1). Above 1 the requests carry disjoint sets of
   * partitions — a partition's next records leave only once its previous request settled — so
   * one key's emits keep their order even when a request fails or is retried.
   */
  readonly requestsInFlight?: number;
}

/**
 * Writes events to one topic. `emit` resolves once the broker acknowledged the record;
 * concurrent emits leave in one produce request (or, with `requestsInFlight`, in a few requests on
 * disjoint partitions).
 */
export class Emitter<T> {
  private readonly producer: BatchingProducer;
  private partitions: Promise<number> | undefined;
  /** The topic's partition count once known (it does not change while an emitter runs). */
  private partitionCount: number | undefined;
  /** Emits waiting for the partition count. */
  private waiting = 0;
  private closed = false;

  constructor(private readonly options: EmitterOptions<T>) {
    const maxInFlight = options.requestsInFlight ?? 1;
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
      throw new RangeError(
        `emitter ${options.topic}: requestsInFlight must be a positive integer, got ${options.requestsInFlight}`,
      );
    }
    this.producer = new BatchingProducer(
      options.cluster.producer({ name: `emitter ${options.topic}`, role: 'emitter' }),
      {
        maxInFlight,
      },
    );
  }

  get topic(): string {
    return this.options.topic;
  }

  /** `null` writes a tombstone. */
  emit(key: string, value: T | null, options?: { headers?: Headers }): Promise<RecordMetadata> {
    if (this.closed) return Promise.reject(new Error(`emitter ${this.options.topic}: closed`));
    if (typeof key !== 'string') {
      return Promise.reject(new TypeError(`emitter ${this.options.topic}: key must be a string`));
    }
    // Encode before awaiting anything, so a bad value fails in the caller's turn.
    let encoded: Buffer | null;
    try {
      encoded = value === null ? null : this.options.codec.encode(value);
    } catch (error) {
      return Promise.reject(error);
    }
    const keyBytes = Buffer.from(key, 'utf8');
    const headers = options?.headers;
    // Once the partition count is known, an emit is one promise and one queued record: no
    // async frame, no await on the count (this is the path a busy emitter takes per message).
    if (this.partitionCount !== undefined && this.waiting === 0) {
      return this.send(keyBytes, encoded, headers, this.partitionCount);
    }
    // Emits that wait for the count queue up in call order; later ones wait behind them (even
    // once the count is known), so that one key's emits reach the producer in call order.
    this.waiting++;
    return this.resolvePartitionCount().then(
      (count) => {
        this.waiting--;
        return this.send(keyBytes, encoded, headers, count);
      },
      (error: unknown) => {
        this.waiting--;
        throw error;
      },
    );
  }

  private send(
    key: Buffer,
    value: Buffer | null,
    headers: Headers | undefined,
    partitions: number,
  ): Promise<RecordMetadata> {
    const record: OutgoingRecord = headers
      ? { topic: this.options.topic, partition: partitionFor(key, partitions), key, value, headers }
      : { topic: this.options.topic, partition: partitionFor(key, partitions), key, value };
    return new Promise((resolve, reject) => {
      this.producer.enqueue(record, (error, meta) => (error ? reject(error) : resolve(meta!)));
    });
  }

  private resolvePartitionCount(): Promise<number> {
    if (!this.partitions) {
      this.partitions = resolvePartitions(this.options.cluster, this.options.topic).then(
        (count) => {
          this.partitionCount = count;
          return count;
        },
        (error: unknown) => {
          this.partitions = undefined; // let a later emit retry, e.g. after the topic was created
          throw error;
        },
      );
    }
    return this.partitions;
  }

  /** Waits for every pending emit, then releases the producer. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.producer.close();
  }
}

/** Partition count of a topic the caller writes to; creates it if the cluster allows. */
export async function resolvePartitions(cluster: Cluster, topic: string): Promise<number> {
  const existing = await cluster.partitionCount(topic);
  if (existing !== undefined) return existing;
  if (!cluster.autoCreateTopics) {
    throw new Error(`topic "${topic}" does not exist (create it, or enable autoCreateTopics on the cluster)`);
  }
  await cluster.ensureTopics([{ name: topic, partitions: cluster.defaultPartitions }]);
  return (await cluster.partitionCount(topic)) ?? cluster.defaultPartitions;
}
