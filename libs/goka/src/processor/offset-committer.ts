import type { CommitOffset, GroupConsumer } from '../cluster/cluster.ts';
import type { Logger } from '../logger.ts';

/** How long a drain, a revocation or a restart waits for a commit in flight (see `settled`). */
const SETTLE_WAIT_MS = 10_000;

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

  /**
   * Resolves once every offset committable so far was sent (or its commit failed and was
   * logged) — or after `maxWaitMs`, with the commit still in flight. A commit is worth waiting
   * for, not worth stopping for: a drain waits here before kafkajs may rejoin, and a partition's
   * restart before it reads the committed offsets. kafkajs retries a commit for minutes (its
   * retry budget, each try up to its request timeout) while the coordinator moves or the member
   * must rejoin — and the member cannot rejoin while its batches wait here: on the three-broker
   * failover test whole groups stood still that way after a rolling restart (tasks "lapsed",
   * one "closed" waiting for its replacement). Going on without the commit costs at most
   * duplicates (the messages are processed again), never a loss.
   */
  async settled(maxWaitMs = SETTLE_WAIT_MS): Promise<void> {
    if (!this.inFlight) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), maxWaitMs);
    });
    try {
      if ((await Promise.race([this.whenSent(), late])) === 'late') {
        if (this.inFlight) this.giveUp(this.inFlight);
        this.logger.warn(
          { waitedMs: maxWaitMs },
          'offset commit still in flight; going on without it (its messages may be processed again)',
        );
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private whenSent(): Promise<void> {
    // The request that ends this one may carry offsets that came meanwhile: wait for it too.
    return this.inFlight ? this.inFlight.then(() => this.whenSent()) : Promise.resolve();
  }

  private send(): void {
    if (this.pendingCount === 0 || !this.consumer) return;
    const offsets: CommitOffset[] = [];
    for (const [topic, partitions] of this.toCommit) {
      for (const [partition, offset] of partitions) offsets.push({ topic, partition, offset });
      partitions.clear();
    }
    this.pendingCount = 0;
    const request: Promise<void> = this.consumer
      .commit(offsets)
      .catch((error: unknown) => {
        // A failed commit loses nothing (the messages are processed again), but say so.
        this.logger.warn({ err: error }, 'commit failed; uncommitted messages will be processed again');
      })
      .finally(() => {
        // Given up on by `settled` meanwhile: a newer request owns the line now.
        if (this.inFlight !== request) return;
        this.inFlight = undefined;
        // Offsets that became committable while this request was in flight.
        this.send();
      });
    this.inFlight = request;
  }

  /**
   * A commit that took too long (see `settled`) stops holding the line: the offsets that came
   * meanwhile go out in a new request. Should the old one land after it, a partition's
   * committed offset goes back, which costs duplicates, not losses.
   */
  private giveUp(request: Promise<void>): void {
    if (this.inFlight !== request) return;
    this.inFlight = undefined;
    this.send();
  }
}
