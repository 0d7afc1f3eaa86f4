import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { nanoid } from 'nanoid';
import type { Logger } from '../../logger.ts';
import type { PartitionReader, ReaderOptions } from '../cluster.ts';
import type { TopicAdmin } from './admin.ts';
import { fixedAssigner } from './assigners.ts';
import type { ConsumerSettings } from './group-consumer.ts';
import { toConsumedRecord } from './records.ts';

/**
 * Follows given partitions of one topic from given offsets (table recovery, views, joins).
 *
 * kafkajs has no manual assignment: every consumer is a group member. So a reader is the only
 * member of a group of its own (unique id, never reused) whose assigner hands it exactly the
 * requested partitions. It never commits: its position lives here, in memory, and on every
 * (re)join it seeks each partition to that position — also after kafkajs crashed and rebuilt
 * its consumer (broker restart), since a fresh generation would otherwise start from the
 * group's committed offsets, of which there are none. Seeking inside the GROUP_JOIN listener
 * runs before the first fetch of the generation (kafkajs emits it synchronously after
 * SyncGroup and before it schedules fetching).
 */
export class KafkaPartitionReader implements PartitionReader {
  private consumer: Consumer | undefined;
  /** Next offset to deliver, per partition. */
  private readonly positions = new Map<number, number>();
  /** Deliveries of one partition run strictly one after another. */
  private readonly queues = new Map<number, Promise<void>>();
  private readonly broken = new Set<number>();
  private stopped = false;
  private started = false;
  /** The consumer being opened: `stop()` waits for it, then disconnects it. */
  private opening: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly logger: Logger;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: TopicAdmin,
    private readonly options: ReaderOptions,
    private readonly settings: ConsumerSettings,
    private readonly clientId: string,
    logger: Logger,
  ) {
    this.logger = logger.child({ reader: options.name ?? options.topic });
  }

  async start(): Promise<void> {
    if (this.started) throw new Error(`reader ${this.options.name ?? this.options.topic}: started twice`);
    this.started = true;
    if (this.options.partitions.length === 0) return;
    const { topic } = this.options;
    const low = new Map((await this.admin.offsets(topic)).map((o) => [o.partition, o.low]));
    for (const { partition, from } of this.options.partitions) {
      const l = low.get(partition);
      if (l === undefined) throw new Error(`topic "${topic}" has no partition ${partition}`);
      // Clamped here rather than left to kafkajs' out-of-range reset, which commits an offset.
      this.positions.set(partition, Math.max(from, l));
    }
    if (this.stopped) return;
    this.opening = this.open();
    await this.opening;
  }

  private async open(): Promise<void> {
    const { topic } = this.options;
    const partitions = [...this.positions.keys()];
    const consumer = this.kafka.consumer({
      groupId: `${this.clientId}-reader-${topic}-${nanoid(10)}`,
      partitionAssigners: [fixedAssigner(topic, partitions)],
      sessionTimeout: this.settings.sessionTimeout,
      heartbeatInterval: this.settings.heartbeatInterval,
      rebalanceTimeout: this.settings.rebalanceTimeout,
      maxWaitTimeInMs: this.settings.readerMaxWaitTime,
      allowAutoTopicCreation: false,
      retry: { restartOnFailure: async () => !this.stopped },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      for (const partition of payload.memberAssignment[topic] ?? []) {
        const position = this.positions.get(partition);
        if (position !== undefined) consumer.seek({ topic, partition, offset: String(position) });
      }
    });
    // A fetched batch that holds only records the consumer must skip (transaction markers,
    // aborted records) reaches no eachBatch, but it moves the position: tell onBatch with an
    // empty delivery, so a caller waiting for the high-water mark sees `next` reach it.
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize !== 0 || payload.topic !== topic || this.stopped) return;
      void this.deliver(payload.partition, [], Number(payload.lastOffset) + 1, Number(payload.highWatermark));
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (this.stopped || payload.restart || this.consumer !== consumer) return;
      this.reopenLater(payload.error);
    });
    await consumer.connect();
    // A stop that landed meanwhile waits for this open and then disconnects the consumer; do not
    // join a group for nobody.
    if (this.stopped) return;
    await consumer.subscribe({ topic, fromBeginning: true });
    if (this.stopped) return;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(1, partitions.length),
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /**
   * kafkajs gives up on errors it deems permanent, yet most come from the broker side and pass
   * (a coordinator not found right after a restart). A reader must keep following: it starts
   * over with a fresh consumer (same positions), again and again while that fails.
   */
  private reopenLater(error: Error): void {
    this.logger.error({ err: error }, 'reader consumer gave up; reopening in 2 s');
    const consumer = this.consumer;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void (async () => {
        await consumer?.disconnect().catch(() => undefined);
        if (this.stopped) return;
        try {
          this.opening = this.open();
          await this.opening;
        } catch (err) {
          if (!this.stopped) this.reopenLater(err instanceof Error ? err : new Error(String(err)));
        }
      })();
    }, 2_000);
  }

  private async eachBatch({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    const { partition } = batch;
    if (this.stopped || batch.topic !== this.options.topic || !this.positions.has(partition)) return;
    const last = batch.messages[batch.messages.length - 1];
    if (!last) return;
    const records = batch.messages.map((m) => toConsumedRecord(batch.topic, partition, m));
    // lastOffset() includes trailing records kafkajs filtered out (control records).
    const next = Math.max(Number(batch.lastOffset()), Number(last.offset)) + 1;
    const keepAlive = setInterval(() => {
      heartbeat().catch(() => undefined);
    }, this.settings.heartbeatInterval);
    try {
      if (await this.deliver(partition, records, next, Number(batch.highWatermark)))
        resolveOffset(last.offset);
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Queues a delivery behind earlier ones of the partition; resolves whether it succeeded. */
  private deliver(
    partition: number,
    records: ReturnType<typeof toConsumedRecord>[],
    next: number,
    highWatermark?: number,
  ) {
    const previous = this.queues.get(partition) ?? Promise.resolve();
    const run = previous.then(async () => {
      const position = this.positions.get(partition) ?? 0;
      if (this.stopped || this.broken.has(partition) || next <= position) return false;
      const fresh = records.filter((r) => r.offset >= position);
      try {
        await this.options.onBatch(
          partition,
          fresh,
          next,
          Number.isFinite(highWatermark) ? highWatermark : undefined,
        );
      } catch (error) {
        // Never rethrow into kafkajs: it would retry the batch, crash, restart on the same
        // records, forever. The owner already knows (it threw); stop feeding this partition.
        this.broken.add(partition);
        this.logger.error({ err: error, partition }, 'reader callback failed; partition no longer followed');
        try {
          this.consumer?.pause([{ topic: this.options.topic, partitions: [partition] }]);
        } catch {
          // consumer between incarnations: the broken mark keeps it from delivering
        }
        return false;
      }
      this.positions.set(partition, next);
      return true;
    });
    this.queues.set(
      partition,
      run.then(
        () => undefined,
        () => undefined,
      ),
    );
    return run;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.opening?.catch(() => undefined);
    // Waits for a delivery in progress; leaving the group lets the broker forget it at once.
    await this.consumer?.disconnect().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'reader did not disconnect cleanly');
    });
    await Promise.all(this.queues.values());
  }
}
