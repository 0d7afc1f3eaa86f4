import type { CommitOffset, GroupConsumer } from '../cluster/cluster.ts';
import type { Logger } from '../logger.ts';

/**
 * At-least-once offset commits of a processor: the latest committable offset per topic and
 * partition, sent to the group consumer one request at a time; offsets that became committable
 * while a request was in flight go in the next one. This is the one place that sends commits:
 * they follow from `committable`; a drain or a revocation only waits for them (`settled`).
 * (Exactly-once commits offsets inside each partition's transaction instead.)
 */
export class OffsetCommitter {
  /** Per topic, per partition: the offset to commit next (nested maps: no key string per call). */
  private readonly toCommit = new Map<string, Map<number, number>>();
  private pendingCount = 0;
  private inFlight: Promise<void> | undefined;
  private consumer: GroupConsumer | undefined;

  constructor(private readonly logger: Logger) {}

  /** The consumer the commits go to; nothing is committed before it is known. */
  use(consumer: GroupConsumer): void {
    this.consumer = consumer;
    if (this.pendingCount > 0) this.send();
  }

  /**
   * Everything before `offset` of the topic's partition is done: commit it soon. Called for
   * every finished message, so it allocates nothing while a commit is in flight (the request's
   * end sends what gathered meanwhile).
   */
  committable(topic: string, partition: number, offset: number): void {
    let partitions = this.toCommit.get(topic);
    if (!partitions) {
      partitions = new Map();
      this.toCommit.set(topic, partitions);
    }
    const size = partitions.size;
    partitions.set(partition, offset);
    this.pendingCount += partitions.size - size;
    if (!this.inFlight) this.send();
  }

  /** Revoked partitions: their pending offsets belong to the next owner now. */
  forget(partitions: readonly number[]): void {
    for (const offsets of this.toCommit.values()) {
      for (const p of partitions) if (offsets.delete(p)) this.pendingCount--;
    }
  }

  /** Resolves once every offset committable so far was sent (or its commit failed and was logged). */
  settled(): Promise<void> {
    // The request that ends this one may carry offsets that came meanwhile: wait for it too.
    return this.inFlight ? this.inFlight.then(() => this.settled()) : Promise.resolve();
  }

  private send(): void {
    if (this.pendingCount === 0 || !this.consumer) return;
    const offsets: CommitOffset[] = [];
    for (const [topic, partitions] of this.toCommit) {
      for (const [partition, offset] of partitions) offsets.push({ topic, partition, offset });
      partitions.clear();
    }
    this.pendingCount = 0;
    this.inFlight = this.consumer
      .commit(offsets)
      .catch((error: unknown) => {
        // A failed commit loses nothing (the messages are processed again), but say so.
        this.logger.warn({ err: error }, 'commit failed; uncommitted messages will be processed again');
      })
      .finally(() => {
        this.inFlight = undefined;
        // Offsets that became committable while this request was in flight.
        this.send();
      });
  }
}
