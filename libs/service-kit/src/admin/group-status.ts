import type { Cluster, PartitionStats, Processor, ProcessorState, View, ViewState } from '@showcase/goka';

/** One input (or loop) topic of one partition: where the group is and how far behind. */
export interface TopicPosition {
  readonly topic: string;
  /** Next offset the partition will process. */
  readonly consumed: number;
  /**
   * Next offset once every earlier message is acknowledged; the processor commits it as soon as
   * it becomes committable, so this is the committed offset up to one commit round-trip.
   */
  readonly committed: number;
  /** High-water mark of the topic partition. */
  readonly high: number;
  /** `high - consumed`: records written but not processed yet. */
  readonly lag: number;
}

export interface RecoveryStatus {
  readonly done: number;
  readonly total: number;
  /** Records per second. */
  readonly rate: number;
  /** 0..1 */
  readonly progress: number;
  /** Seconds until recovered at the current rate; null when unknown or finished. */
  readonly etaSeconds: number | null;
  readonly finished: boolean;
}

export interface PartitionStatus {
  readonly partition: number;
  readonly state: PartitionStats['state'];
  readonly processed: number;
  readonly deadLettered: number;
  readonly inFlight: number;
  /** Messages per second over the last sampling window. */
  readonly rate: number;
  /** Sum over the partition's topics; null until the partition processed a first record. */
  readonly lag: number | null;
  readonly positions: readonly TopicPosition[];
  readonly recovery: RecoveryStatus;
}

export interface GroupStatus {
  readonly group: string;
  readonly state: ProcessorState;
  /** Which process owns these partitions (`host:pid`). */
  readonly instance: string;
  readonly error: string | null;
  readonly processed: number;
  readonly deadLettered: number;
  /** Exactly-once: transactions committed by the partitions owned now, and records in them. */
  readonly transactions: number;
  readonly transactionRecords: number;
  readonly rate: number;
  readonly lag: number;
  readonly partitions: readonly PartitionStatus[];
  readonly recovery: RecoveryStatus;
  /** Routed reads: where this instance answers reads of its partitions (null: not routed). */
  readonly endpoint: string | null;
  /**
   * Routed reads: which endpoint holds each partition of the group (active, standbys), as the
   * latest rebalance handed it to every member; null while unknown or not routed.
   */
  readonly owners:
    | readonly { partition: number; active: string | null; standbys: readonly string[] }[]
    | null;
}

export interface ViewStatus {
  readonly table: string;
  readonly state: ViewState;
  readonly error: string | null;
  readonly partitions: number;
  readonly recovery: RecoveryStatus;
}

export function recoveryStatus(r: {
  done: number;
  total: number;
  rate: number;
  finished: boolean;
}): RecoveryStatus {
  const remaining = Math.max(0, r.total - r.done);
  return {
    done: r.done,
    total: r.total,
    rate: r.rate,
    progress: r.total > 0 ? Math.min(1, r.done / r.total) : r.finished ? 1 : 0,
    etaSeconds: r.finished || r.rate <= 0 ? null : Math.round((remaining / r.rate) * 10) / 10,
    finished: r.finished,
  };
}

/**
 * Messages per second per group partition, from the difference of the processed counters
 * between two samples at least `windowMs` apart (a reading taken sooner reuses the last rate,
 * so frequent polling does not turn the rate into noise).
 */
export class RateMeter {
  private readonly samples = new Map<string, { at: number; count: number; rate: number }>();

  constructor(
    private readonly windowMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  rate(id: string, count: number): number {
    const at = this.now();
    const last = this.samples.get(id);
    if (!last || count < last.count) {
      // First sight, or the partition moved away and came back (counters restart).
      this.samples.set(id, { at, count, rate: 0 });
      return 0;
    }
    if (at - last.at < this.windowMs) return last.rate;
    const rate = Math.round(((count - last.count) * 1000) / (at - last.at));
    this.samples.set(id, { at, count, rate });
    return rate;
  }
}

/** High-water marks of the topics the groups read, one offsets request per topic. */
async function highWaterMarks(
  cluster: Cluster,
  topics: Iterable<string>,
): Promise<Map<string, Map<number, number>>> {
  const marks = new Map<string, Map<number, number>>();
  await Promise.all(
    [...new Set(topics)].map(async (topic) => {
      const offsets = await cluster.offsets(topic);
      marks.set(topic, new Map(offsets.map((o) => [o.partition, o.high])));
    }),
  );
  return marks;
}

export async function groupStatuses(
  cluster: Cluster,
  processors: readonly Processor<unknown, unknown>[],
  meter: RateMeter,
  instance: string,
): Promise<GroupStatus[]> {
  const stats = processors.map((p) => ({ p, s: p.stats() }));
  const topics = stats.flatMap(({ s }) => s.partitions.flatMap((part) => Object.keys(part.positions)));
  const marks = await highWaterMarks(cluster, topics);
  return stats
    .map(({ p, s }) => {
      const partitions = s.partitions.map((part): PartitionStatus => {
        const positions = Object.entries(part.positions).map(([topic, pos]): TopicPosition => {
          const high = marks.get(topic)?.get(part.partition) ?? pos.consumed;
          return {
            topic,
            consumed: pos.consumed,
            committed: pos.committable,
            high,
            lag: Math.max(0, high - pos.consumed),
          };
        });
        return {
          partition: part.partition,
          state: part.state,
          processed: part.processed,
          deadLettered: part.deadLettered,
          inFlight: part.inFlight,
          rate: meter.rate(`${s.group}/${part.partition}`, part.processed),
          lag: positions.length > 0 ? positions.reduce((n, t) => n + t.lag, 0) : null,
          positions,
          recovery: recoveryStatus(part.recovery),
        };
      });
      return {
        group: s.group,
        state: s.state,
        instance,
        error: p.error?.message ?? null,
        processed: s.processed,
        deadLettered: s.deadLettered,
        transactions: s.transactions,
        transactionRecords: s.transactionRecords,
        rate: partitions.reduce((n, part) => n + part.rate, 0),
        lag: partitions.reduce((n, part) => n + (part.lag ?? 0), 0),
        partitions,
        recovery: recoveryStatus(s.recovery),
        endpoint: p.endpoint ?? null,
        owners:
          p.hosts()?.map((h, partition) => ({
            partition,
            active: h.active ?? null,
            standbys: h.standbys,
          })) ?? null,
      };
    })
    .sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}

export function viewStatuses(views: readonly View<unknown>[]): ViewStatus[] {
  return views
    .map((v) => {
      const s = v.stats();
      return {
        table: s.table,
        state: s.state,
        error: v.error?.message ?? null,
        partitions: s.partitions,
        recovery: recoveryStatus(s.recovery),
      };
    })
    .sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0));
}
