import type { Cluster, ClusterProducer, OutgoingRecord, RecordMetadata } from '../../src/index.ts';

/**
 * Wraps a cluster so produce requests wait until the test releases them: it lets a test look
 * at the pipeline between "callback done" and "broker acknowledged" — what the store, the
 * commits and the reads see while effects are in flight.
 */
export class GatedCluster {
  private held: (() => void)[] = [];
  gated = true;

  constructor(readonly inner: Cluster) {}

  get cluster(): Cluster {
    const inner = this.inner;
    return {
      description: `gated ${inner.description}`,
      autoCreateTopics: inner.autoCreateTopics,
      defaultPartitions: inner.defaultPartitions,
      partitionCount: (t) => inner.partitionCount(t),
      ensureTopics: (s) => inner.ensureTopics(s),
      offsets: (t) => inner.offsets(t),
      reader: (o) => inner.reader(o),
      groupConsumer: (o) => inner.groupConsumer(o),
      close: () => inner.close(),
      producer: (o) => this.producer(inner.producer(o)),
    };
  }

  private producer(inner: ClusterProducer): ClusterProducer {
    return {
      send: async (records: readonly OutgoingRecord[]): Promise<RecordMetadata[]> => {
        if (this.gated) await new Promise<void>((resolve) => this.held.push(resolve));
        return inner.send(records);
      },
      close: () => inner.close(),
    };
  }

  /** Number of produce requests waiting. */
  get waiting(): number {
    return this.held.length;
  }

  releaseAll(): void {
    const held = this.held;
    this.held = [];
    for (const release of held) release();
  }

  open(): void {
    this.gated = false;
    this.releaseAll();
  }
}

export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
