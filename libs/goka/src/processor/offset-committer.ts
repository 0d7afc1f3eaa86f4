import type { CommitOffset, GroupConsumer } from '../cluster/cluster.ts';
import type { Logger } from '../logger.ts';

/**
 * At-least-once offset commits of a processor: the latest committable offset per topic and
 * partition, sent to the group consumer one request at a time; offsets that became committable
 * while a request was in flight go in the next one. (Exactly-once commits offsets inside each
 * partition's transaction instead.)
 */
export class OffsetCommitter {
  private readonly toCommit = new Map<string, CommitOffset>();
  private inFlight: Promise<void> | undefined;
  private consumer: GroupConsumer | undefined;

  constructor(private readonly logger: Logger) {}

  /** The consumer the commits go to; nothing is committed before it is known. */
  use(consumer: GroupConsumer): void {
    this.consumer = consumer;
  }

  /** Everything before `offset` of the topic's partition is done: commit it soon. */
  committable(topic: string, partition: number, offset: number): void {
    this.toCommit.set(`${topic}/${partition}`, { topic, partition, offset });
    void this.commitNow();
  }

  /** Revoked partitions: their pending offsets belong to the next owner now. */
  forget(partitions: readonly number[]): void {
    for (const [key, o] of this.toCommit) if (partitions.includes(o.partition)) this.toCommit.delete(key);
  }

  /** Resolves once every offset committable so far was sent (or its commit failed and was logged). */
  commitNow(): Promise<void> {
    if (this.inFlight) {
      return this.inFlight.then(() => (this.toCommit.size > 0 ? this.commitNow() : undefined));
    }
    if (this.toCommit.size === 0 || !this.consumer) return Promise.resolve();
    const offsets = [...this.toCommit.values()];
    this.toCommit.clear();
    this.inFlight = this.consumer
      .commit(offsets)
      .catch((error: unknown) => {
        // A failed commit loses nothing (the messages are processed again), but say so.
        this.logger.warn({ err: error }, 'commit failed; uncommitted messages will be processed again');
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
