import type { Cluster, Headers, RecordMetadata } from './cluster/cluster.ts';
import type { Codec } from './codec.ts';
import { partitionFor } from './murmur2.ts';
import { BatchingProducer } from './producer/batching-producer.ts';

export interface EmitterOptions<T> {
  readonly cluster: Cluster;
  readonly topic: string;
  readonly codec: Codec<T>;
}

/**
 * Writes events to one topic. `emit` resolves once the broker acknowledged the record;
 * concurrent emits leave in one produce request.
 */
export class Emitter<T> {
  private readonly producer: BatchingProducer;
  private partitions: Promise<number> | undefined;
  private closed = false;

  constructor(private readonly options: EmitterOptions<T>) {
    this.producer = new BatchingProducer(options.cluster.producer({ name: `emitter ${options.topic}` }));
  }

  get topic(): string {
    return this.options.topic;
  }

  /** `null` writes a tombstone. */
  async emit(key: string, value: T | null, options?: { headers?: Headers }): Promise<RecordMetadata> {
    if (this.closed) throw new Error(`emitter ${this.options.topic}: closed`);
    if (typeof key !== 'string') throw new TypeError(`emitter ${this.options.topic}: key must be a string`);
    // Encode before awaiting anything, so a bad value fails in the caller's turn.
    const encoded = value === null ? null : this.options.codec.encode(value);
    const keyBytes = Buffer.from(key, 'utf8');
    const partitions = await this.partitionCount();
    return this.producer.send({
      topic: this.options.topic,
      partition: partitionFor(keyBytes, partitions),
      key: keyBytes,
      value: encoded,
      ...(options?.headers ? { headers: options.headers } : {}),
    });
  }

  private partitionCount(): Promise<number> {
    if (!this.partitions) {
      this.partitions = resolvePartitions(this.options.cluster, this.options.topic);
      this.partitions.catch(() => {
        this.partitions = undefined; // let a later emit retry, e.g. after the topic was created
      });
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
