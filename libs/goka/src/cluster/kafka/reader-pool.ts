import type { Kafka } from 'kafkajs';
import type { Logger } from '../../logger.ts';
import type { ConsumerSettings } from './group-consumer.ts';
import { TopicLane } from './topic-lane.ts';

/**
 * The lanes (one kafkajs consumer each) that serve every reader of one cluster object. A reader
 * joins the first lane of its topic where none of its partitions is read already; only two
 * readers of the same partition at once (a view and a joined table of one table, say) need a
 * second lane. So a process opens about one reader consumer per table it reads, whatever the
 * number of partitions, views, joins and standbys.
 */
export class ReaderPool {
  private readonly lanes = new Map<string, Set<TopicLane>>();

  constructor(
    private readonly kafka: Kafka,
    private readonly settings: ConsumerSettings,
    private readonly groupPrefix: string,
    private readonly logger: Logger,
  ) {}

  /** A lane of `topic` that can take these partitions now (a new one when none can). */
  laneFor(topic: string, partitionCount: number, partitions: readonly number[]): TopicLane {
    let lanes = this.lanes.get(topic);
    for (const lane of lanes ?? []) {
      if (lane.partitionCount === partitionCount && lane.accepts(partitions)) return lane;
    }
    if (!lanes) {
      lanes = new Set();
      this.lanes.set(topic, lanes);
    }
    const lane = new TopicLane(
      this.kafka,
      topic,
      partitionCount,
      this.settings,
      this.groupPrefix,
      this.logger,
      (closed) => this.forget(closed),
    );
    lanes.add(lane);
    return lane;
  }

  /** Lanes open right now (each one kafkajs consumer), per topic. */
  openLanes(): Map<string, number> {
    return new Map([...this.lanes].map(([topic, lanes]) => [topic, lanes.size]));
  }

  private forget(lane: TopicLane): void {
    const lanes = this.lanes.get(lane.topic);
    lanes?.delete(lane);
    if (lanes?.size === 0) this.lanes.delete(lane.topic);
  }
}

/**
 * One pool per kafkajs client. The cluster object owns one client for its producers and readers
 * (group members get clients of their own), so this is one pool per cluster object, i.e. per
 * process in a service, without the cluster having to carry it.
 */
const pools = new WeakMap<Kafka, ReaderPool>();

export function readerPool(
  kafka: Kafka,
  settings: ConsumerSettings,
  groupPrefix: string,
  logger: Logger,
): ReaderPool {
  let pool = pools.get(kafka);
  if (!pool) {
    pool = new ReaderPool(kafka, settings, groupPrefix, logger);
    pools.set(kafka, pool);
  }
  return pool;
}
