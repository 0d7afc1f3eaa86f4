import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { nanoid } from 'nanoid';
import type { Logger } from '../../logger.ts';
import type { ConsumedRecord } from '../cluster.ts';
import { fixedAssigner } from './assigners.ts';
import { asError, OPENING_GRACE_MS, openWhileWanted, reopenLater, settlesWithin } from './consumer-upkeep.ts';
import type { ConsumerSettings } from './group-consumer.ts';
import { toConsumedRecord } from './records.ts';

/** Receives one partition's records in offset order; the next call waits for this one. */
export type PartitionSink = (
  records: readonly ConsumedRecord[],
  next: number,
  highWatermark: number | undefined,
) => Promise<void>;

/**
 * How long a batch's callback holds up the other partitions of the lane. kafkajs fetches again
 * only once every batch of a fetch returned, so a slow callback would stall everyone: past this
 * time its partition is paused instead and resumed when the callback finished.
 */
export const DETACH_AFTER_MS = 500;

/**
 * Bytes one fetch of a lane may return, all partitions together (kafkajs' default: 10 MiB; per
 * partition it stays 1 MiB). Readers mostly replay whole changelogs, where the process's peak
 * memory follows the bytes in flight — a fetch decoded into records while the previous one is
 * still being written to the stores — not the fetch count.
 */
export const READER_MAX_BYTES = 2 * 1024 * 1024;

/** One user's claim on one partition of a lane: its position and its callback. */
export class Subscription {
  /** Next offset to deliver. */
  position: number;
  broken = false;
  removed = false;
  /** A delivery outlived DETACH_AFTER_MS: the partition stays paused until it is done. */
  detached = false;
  /** Deliveries run strictly one after another. */
  queue: Promise<void> = Promise.resolve();
  /** The lane's fetch count when this position was sought: batches of that fetch are stale. */
  soughtAtFetch = -1;

  constructor(
    readonly partition: number,
    from: number,
    readonly sink: PartitionSink,
    readonly name: string,
  ) {
    this.position = from;
  }
}

export interface LaneEntry {
  readonly partition: number;
  /** Already clamped to the partition's low mark. */
  readonly from: number;
  readonly sink: PartitionSink;
  readonly name: string;
}

/**
 * One kafkajs consumer that reads any partitions of one topic for any number of users (views,
 * table recovery, joined tables, standbys) — each partition for at most one user at a time.
 *
 * kafkajs has no manual assignment: the consumer is the only member of a private group (unique
 * id, never committed to) whose assigner hands it every partition of the topic. Partitions no one
 * reads stay paused; a user arriving seeks its partitions to its own positions and resumes them,
 * one leaving pauses its partitions — neither rejoins, so the others keep reading undisturbed.
 * Positions live here, in memory: every (re)join — also after kafkajs crashed and rebuilt its
 * consumer — seeks each read partition to its position and pauses the rest (the GROUP_JOIN
 * listener runs before the generation's first fetch).
 */
export class TopicLane {
  private consumer: Consumer | undefined;
  private readonly subscriptions = new Map<number, Subscription>();
  /** The current consumer has joined: seek, pause and resume act on it. */
  private joined = false;
  /** Fetches completed by the current consumer (kafkajs' FETCH event). */
  private fetches = 0;
  private opening: Promise<void> | undefined;
  private cancelReopen: (() => void) | undefined;
  private closing: Promise<void> | undefined;
  private readonly logger: Logger;

  constructor(
    private readonly kafka: Kafka,
    readonly topic: string,
    /** Partitions of the topic when the lane was made: all of them are assigned to it. */
    readonly partitionCount: number,
    private readonly settings: ConsumerSettings,
    private readonly groupPrefix: string,
    logger: Logger,
    /** Told once the lane closes, so nobody new joins it. */
    private readonly onClose: (lane: TopicLane) => void,
  ) {
    this.logger = logger.child({ readerLane: topic });
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Whether these partitions can be read here now (none of them read by someone else). */
  accepts(partitions: readonly number[]): boolean {
    return !this.closed && partitions.every((p) => p < this.partitionCount && !this.subscriptions.has(p));
  }

  /**
   * Starts reading the entries' partitions from their positions. `ready` resolves once the
   * lane's consumer has joined (at once when it already has).
   */
  subscribe(entries: readonly LaneEntry[]): { subscriptions: Subscription[]; ready: Promise<void> } {
    if (!this.accepts(entries.map((e) => e.partition))) throw new Error(`reader lane ${this.topic}: taken`);
    const subscriptions = entries.map((e) => new Subscription(e.partition, e.from, e.sink, e.name));
    for (const s of subscriptions) {
      this.subscriptions.set(s.partition, s);
      if (this.joined) this.seekAndResume(s);
    }
    this.opening ??= this.open().catch((error: unknown) => {
      // The first consumer never ran: nobody can read here; the next user gets a new lane.
      void this.close();
      throw error;
    });
    return { subscriptions, ready: this.opening };
  }

  /**
   * Stops delivering to these subscriptions (resolves once a delivery in progress finished);
   * the lane's consumer closes when nobody reads from it anymore.
   */
  async unsubscribe(subscriptions: readonly Subscription[]): Promise<void> {
    for (const s of subscriptions) {
      s.removed = true;
      if (this.subscriptions.get(s.partition) !== s) continue;
      this.subscriptions.delete(s.partition);
      this.pause(s.partition);
    }
    if (this.subscriptions.size === 0) await this.close();
    await Promise.all(subscriptions.map((s) => s.queue));
  }

  private async open(): Promise<void> {
    const topic = this.topic;
    const all = Array.from({ length: this.partitionCount }, (_, p) => p);
    const consumer = this.kafka.consumer({
      groupId: `${this.groupPrefix}-reader-${topic}-${nanoid(10)}`,
      partitionAssigners: [fixedAssigner(topic, all)],
      sessionTimeout: this.settings.sessionTimeout,
      heartbeatInterval: this.settings.heartbeatInterval,
      rebalanceTimeout: this.settings.rebalanceTimeout,
      maxWaitTimeInMs: this.settings.readerMaxWaitTime,
      maxBytes: READER_MAX_BYTES,
      allowAutoTopicCreation: false,
      retry: { restartOnFailure: async () => !this.closed },
    });
    this.consumer = consumer;
    this.joined = false;
    this.fetches = 0;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if (this.consumer !== consumer) return;
      this.joined = true;
      for (const partition of payload.memberAssignment[topic] ?? []) {
        const s = this.subscriptions.get(partition);
        if (s && !s.broken && !this.closed) {
          this.seek(s);
          if (s.detached) this.pause(partition);
        } else this.pause(partition);
      }
    });
    consumer.on(consumer.events.FETCH, () => {
      if (this.consumer === consumer) this.fetches++;
    });
    // A fetched batch that holds only records the consumer must skip (transaction markers,
    // aborted records) reaches no eachBatch, but it moves the position: tell the user with an
    // empty delivery, so one waiting for the high-water mark sees `next` reach it.
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
      if (this.consumer !== consumer || payload.batchSize !== 0 || payload.topic !== topic) return;
      const s = this.current(payload.partition);
      if (!s) return;
      void this.deliver(s, [], Number(payload.lastOffset) + 1, Number(payload.highWatermark));
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (this.consumer !== consumer) return;
      this.joined = false;
      if (this.closed || payload.restart) return;
      this.logger.error({ err: payload.error }, 'reader consumer gave up; reopening in 2 s');
      this.reopen();
    });
    // A close that lands meanwhile disconnects the consumer; do not join a group for nobody.
    await openWhileWanted(consumer, () => !this.closed && this.consumer === consumer, {
      subscribe: () => consumer.subscribe({ topic, fromBeginning: true }),
      run: () =>
        consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: Math.max(1, this.partitionCount),
          eachBatch: (payload) => this.eachBatch(consumer, payload),
        }),
    });
  }

  private reopen(): void {
    this.cancelReopen = reopenLater({
      consumer: this.consumer,
      active: () => !this.closed,
      open: () => {
        this.opening = this.open();
        return this.opening;
      },
      failed: (error) => {
        this.logger.error({ err: error }, 'reader consumer did not reopen; again in 2 s');
        this.reopen();
      },
    });
  }

  /** The partition's subscription when a batch fetched now is meant for it (not stale). */
  private current(partition: number): Subscription | undefined {
    const s = this.subscriptions.get(partition);
    if (!s || s.broken || s.removed || this.closed) return undefined;
    // Fetched before its position was sought (for an earlier user of the partition, or before
    // a rejoin): kafkajs fetches again from the sought position. The fetcher of a broker hands
    // out a fetch's batches before it fetches again, so counting fetches tells them apart.
    if (this.fetches <= s.soughtAtFetch) return undefined;
    return s;
  }

  private async eachBatch(consumer: Consumer, { batch, resolveOffset }: EachBatchPayload): Promise<void> {
    if (this.consumer !== consumer || batch.topic !== this.topic) return;
    const s = this.current(batch.partition);
    const last = batch.messages[batch.messages.length - 1];
    if (!s || !last) return;
    const records = batch.messages.map((m) => toConsumedRecord(batch.topic, batch.partition, m));
    // lastOffset() includes trailing records kafkajs filtered out (control records).
    const next = Math.max(Number(batch.lastOffset()), Number(last.offset)) + 1;
    // kafkajs fetches on from here; what reaches the user is tracked by the subscription.
    resolveOffset(last.offset);
    const delivery = this.deliver(s, records, next, Number(batch.highWatermark));
    if (await settlesWithin(delivery, DETACH_AFTER_MS)) return;
    s.detached = true;
    this.pause(s.partition);
    void delivery.then(() => {
      s.detached = false;
      if (this.subscriptions.get(s.partition) === s && !s.broken && !s.removed) this.resume(s.partition);
    });
  }

  /** Queues a delivery behind earlier ones of the subscription; never rejects. */
  private deliver(
    s: Subscription,
    records: readonly ConsumedRecord[],
    next: number,
    highWatermark: number,
  ): Promise<void> {
    const run = s.queue.then(async () => {
      if (s.removed || s.broken || next <= s.position) return;
      const first = records[0];
      const fresh =
        first && first.offset < s.position ? records.filter((r) => r.offset >= s.position) : records;
      try {
        await s.sink(fresh, next, Number.isFinite(highWatermark) ? highWatermark : undefined);
      } catch (error) {
        // Never rethrow into kafkajs: it would retry the batch, crash, restart on the same
        // records, forever. The user already knows (it threw); stop feeding this partition.
        s.broken = true;
        this.logger.error(
          { err: asError(error), partition: s.partition, reader: s.name },
          'reader callback failed; partition no longer followed',
        );
        this.pause(s.partition);
        return;
      }
      s.position = next;
    });
    s.queue = run;
    return run;
  }

  private seekAndResume(s: Subscription): void {
    this.seek(s);
    this.resume(s.partition);
  }

  private seek(s: Subscription): void {
    s.soughtAtFetch = this.fetches;
    try {
      this.consumer?.seek({ topic: this.topic, partition: s.partition, offset: String(s.position) });
    } catch {
      // between incarnations: the next join seeks anew
    }
  }

  private pause(partition: number): void {
    if (!this.joined) return;
    try {
      this.consumer?.pause([{ topic: this.topic, partitions: [partition] }]);
    } catch {
      // between incarnations: the next join pauses anew
    }
  }

  private resume(partition: number): void {
    if (!this.joined) return;
    try {
      this.consumer?.resume([{ topic: this.topic, partitions: [partition] }]);
    } catch {
      // between incarnations: the next join decides anew
    }
  }

  /** Leaves the private group (the broker forgets it at once) and delivers nothing more. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.onClose(this);
      this.cancelReopen?.();
      // At once, also while the consumer still connects or joins (that open then disconnects
      // it again when kafkajs returns it: openWhileWanted).
      await this.consumer?.disconnect().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'reader did not disconnect cleanly');
      });
      if (this.opening) await settlesWithin(this.opening, OPENING_GRACE_MS);
      await Promise.all([...this.subscriptions.values()].map((s) => s.queue));
    })();
    return this.closing;
  }
}
