import type { Consumer } from 'kafkajs';
import { retryTransient } from '../transient-error.ts';
import type { TopicAdmin } from './admin.ts';
import { asError } from './consumer-upkeep.ts';

/** What the flow of a group member's partitions needs from the member. */
export interface FlowHost {
  readonly group: string;
  /** Co-partitioned topics: pausing, seeking and resuming partition p acts on every one. */
  readonly topics: readonly string[];
  /** The kafkajs consumer of the current incarnation, if any. */
  consumer(): Consumer | undefined;
  /** Whether the member is active and owns the partition as of the latest join. */
  owns(partition: number): boolean;
}

/**
 * Which of a group member's partitions kafkajs may fetch: a partition that arrives is paused
 * until its handler is ready (recovery may take long, and an `eachBatch` blocked on it would
 * block heartbeats and the next rebalance too), and a partition the handler pauses (`pause`) stays
 * paused until it resumes it, after a seek to the committed offsets. Each pause takes a new epoch:
 * a late readiness of an older one must not resume the partition.
 */
export class PartitionFlow {
  /** Per partition, which pause holds it now. */
  private readonly epochs = new Map<number, number>();
  private epoch = 0;
  /** Partitions the handler paused (`pause`) and has not resumed yet. */
  private readonly held = new Set<number>();
  /** Arrived partitions held back until their handler is ready (`resumeWhenReady`). */
  private readonly waiting = new Set<number>();

  constructor(
    private readonly host: FlowHost,
    /** Reads the committed offsets a seek goes to. */
    private readonly admin: TopicAdmin,
  ) {}

  /** Partitions that joined this member: held back until `resumeWhenReady`. */
  arrived(partitions: readonly number[], hold: boolean): void {
    if (hold && partitions.length > 0) this.pauseConsumer(partitions);
    for (const p of partitions) {
      this.epochs.set(p, ++this.epoch);
      if (hold) this.waiting.add(p);
    }
  }

  /** Partitions this member no longer owns (revoked, lost in a crash). */
  forget(partitions: Iterable<number>): void {
    for (const p of partitions) {
      this.held.delete(p);
      this.waiting.delete(p);
    }
  }

  /** Whether the handler paused the partition (a batch delivered meanwhile stays unfinished). */
  isHeld(partition: number): boolean {
    return this.held.has(partition);
  }

  /**
   * Resumes an arrived partition once `ready` resolves, unless it was paused or moved meanwhile.
   * `refetch`: seek to the committed offsets first — kafkajs read them at the generation's first
   * fetch, before `ready` fenced the previous owner (exactly-once).
   */
  resumeWhenReady(
    partition: number,
    ready: Promise<void>,
    refetch: boolean,
    fail: (error: Error) => void,
  ): void {
    const epoch = this.epochs.get(partition);
    const current = () => this.epochs.get(partition) === epoch && this.host.owns(partition);
    ready.then(
      async () => {
        if (!current()) return;
        if (refetch) {
          try {
            await this.seekCommitted(partition);
          } catch (error) {
            fail(asError(error));
            return;
          }
          if (!current()) return;
        }
        this.waiting.delete(partition);
        this.resumeConsumer(partition);
      },
      () => undefined, // a partition that cannot get ready fails the processor through its own path
    );
  }

  pause(partition: number): void {
    if (!this.host.owns(partition)) return;
    this.held.add(partition);
    this.epochs.set(partition, ++this.epoch);
    this.pauseConsumer([partition]);
  }

  async seekToCommitted(partition: number): Promise<void> {
    if (this.held.has(partition)) await this.seekCommitted(partition);
  }

  resume(partition: number): void {
    if (!this.held.delete(partition) || !this.host.owns(partition)) return;
    this.waiting.delete(partition);
    this.resumeConsumer(partition);
  }

  /**
   * Resumes the partitions in `owned` that kafkajs holds paused although this flow does not
   * (neither held for a restart nor waiting for readiness). A resume can be lost on the way —
   * kafkajs drops calls made between two incarnations of its consumer group (a crash restart)
   * and keeps a pause across rebalances — and a partition left paused is never fetched again
   * while the service looks healthy. Only this direction: a pause kafkajs forgot costs nothing
   * (batches of a restarting partition are not processed, and its resume seeks to the committed
   * offsets). Returns the partitions it resumed; the member calls it now and then.
   */
  reconcile(owned: Iterable<number>): number[] {
    const consumer = this.host.consumer();
    const resumed: number[] = [];
    if (!consumer) return resumed;
    let pausedNow: Set<string>;
    try {
      pausedNow = new Set(
        consumer.paused().flatMap(({ topic, partitions }) => partitions.map((p) => `${topic}/${p}`)),
      );
    } catch {
      return resumed; // between incarnations: the next join pauses and resumes anew
    }
    for (const p of owned) {
      if (this.held.has(p) || this.waiting.has(p)) continue;
      if (this.host.topics.some((topic) => pausedNow.has(`${topic}/${p}`))) {
        this.resumeConsumer(p);
        resumed.push(p);
      }
    }
    return resumed;
  }

  pauseAll(): void {
    try {
      this.host.consumer()?.pause(this.host.topics.map((topic) => ({ topic })));
    } catch {
      // not running (yet): nothing to pause
    }
  }

  /**
   * Seeks every subscribed topic of the partition to its committed offset. A topic with nothing
   * committed starts at its log start (the subscription reads from the beginning); kafkajs' own
   * position may lie past records that a batch abandoned by a pause had consumed.
   */
  private async seekCommitted(partition: number): Promise<void> {
    const { group, topics } = this.host;
    let committed: Map<string, number>;
    try {
      // A coordinator or leader moving (a broker restart) answers NOT_COORDINATOR or the like for
      // a moment: retried while the partition is still ours, not a failure of the processor.
      committed = await retryTransient(
        () => this.admin.committedOffsets(group, topics, partition),
        () => this.host.owns(partition),
      );
      for (const topic of topics) {
        if (committed.has(topic)) continue;
        const offsets = await retryTransient(
          () => this.admin.offsets(topic),
          () => this.host.owns(partition),
        );
        const low = offsets.find((o) => o.partition === partition)?.low;
        if (low !== undefined) committed.set(topic, low);
      }
    } catch (error) {
      throw new Error(`group ${group}: cannot read committed offsets`, { cause: error });
    }
    for (const [topic, offset] of committed) {
      try {
        this.host.consumer()?.seek({ topic, partition, offset: String(offset) });
      } catch {
        // between incarnations: the next join reads the offsets anew
      }
    }
  }

  private pauseConsumer(partitions: readonly number[]): void {
    try {
      this.host.consumer()?.pause(this.host.topics.map((topic) => ({ topic, partitions: [...partitions] })));
    } catch {
      // not running (yet): nothing to pause
    }
  }

  private resumeConsumer(partition: number): void {
    try {
      this.host.consumer()?.resume(this.host.topics.map((topic) => ({ topic, partitions: [partition] })));
    } catch {
      // kafkajs is between incarnations (crash restart); the next join pauses and resumes anew
    }
  }
}
