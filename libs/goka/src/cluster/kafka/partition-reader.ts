import type { Kafka } from 'kafkajs';
import type { Logger } from '../../logger.ts';
import type { PartitionReader, ReaderOptions } from '../cluster.ts';
import type { TopicAdmin } from './admin.ts';
import type { ConsumerSettings } from './group-consumer.ts';
import { readerPool } from './reader-pool.ts';
import type { Subscription, TopicLane } from './topic-lane.ts';

/**
 * Follows given partitions of one topic from given offsets (table recovery, views, joins,
 * standbys). It has no kafkajs consumer of its own: it subscribes its partitions to a lane of
 * the cluster's reader pool (reader-pool.ts, topic-lane.ts), which reads them together with
 * every other reader's partitions of the topic, and unsubscribes them on stop — the lane and
 * the other readers on it go on.
 */
export class KafkaPartitionReader implements PartitionReader {
  private lane: TopicLane | undefined;
  private subscriptions: Subscription[] = [];
  private started = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    private readonly admin: TopicAdmin,
    private readonly options: ReaderOptions,
    settings: ConsumerSettings,
    clientId: string,
    logger: Logger,
    private readonly pool = readerPool(kafka, settings, clientId, logger),
  ) {}

  async start(): Promise<void> {
    const name = this.options.name ?? this.options.topic;
    if (this.started) throw new Error(`reader ${name}: started twice`);
    this.started = true;
    if (this.options.partitions.length === 0) return;
    const { topic, onBatch } = this.options;
    const offsets = await this.admin.offsets(topic);
    const low = new Map(offsets.map((o) => [o.partition, o.low]));
    const entries = this.options.partitions.map(({ partition, from }) => {
      const l = low.get(partition);
      if (l === undefined) throw new Error(`topic "${topic}" has no partition ${partition}`);
      return {
        partition,
        // Clamped here rather than left to kafkajs' out-of-range reset.
        from: Math.max(from, l),
        sink: (records: Parameters<typeof onBatch>[1], next: number, high: number | undefined) =>
          onBatch(partition, records, next, high),
        name,
      };
    });
    if (this.stopped) return;
    const lane = this.pool.laneFor(
      topic,
      offsets.length,
      entries.map((e) => e.partition),
    );
    const { subscriptions, ready } = lane.subscribe(entries);
    this.lane = lane;
    this.subscriptions = subscriptions;
    await ready;
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.stopping ??= (async () => {
      // Waits for a delivery in progress; the lane leaves its group once nobody reads from it.
      await this.lane?.unsubscribe(this.subscriptions);
    })();
    return this.stopping;
  }
}
