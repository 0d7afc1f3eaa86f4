import type { Cluster, ConsumedRecord, Headers } from '@showcase/goka';

export interface DeadLetter {
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: string;
  readonly key: string | null;
  /** The record's value as text (UTF-8), cut at `maxValueChars`. */
  readonly value: string | null;
  /** The original headers plus `goka-error`, `goka-error-kind`, `goka-topic`, … */
  readonly headers: Headers;
}

export interface GroupDeadLetters {
  readonly group: string;
  readonly topic: string;
  /** False when the group never dead-lettered (its policy is `fail`, or nothing failed yet). */
  readonly exists: boolean;
  /** Records in the topic (high - low over its partitions). */
  readonly count: number;
  /** The newest records first. */
  readonly last: readonly DeadLetter[];
}

const MAX_VALUE_CHARS = 2000;

function toDeadLetter(r: ConsumedRecord): DeadLetter {
  const value = r.value?.toString('utf8') ?? null;
  return {
    partition: r.partition,
    offset: r.offset,
    timestamp: new Date(r.timestamp).toISOString(),
    key: r.key?.toString('utf8') ?? null,
    value: value !== null && value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS)}…` : value,
    headers: r.headers,
  };
}

/**
 * Count and newest records of `<group>-dlq`: reads the last `limit` records of each partition
 * (from `high - limit` up to the high-water mark seen at the start) and keeps the newest
 * `limit` overall. Bounded by `timeoutMs`: a slow broker yields what arrived so far.
 */
export async function readDeadLetters(
  cluster: Cluster,
  group: string,
  topic: string,
  limit: number,
  timeoutMs = 5000,
): Promise<GroupDeadLetters> {
  if ((await cluster.partitionCount(topic)) === undefined) {
    return { group, topic, exists: false, count: 0, last: [] };
  }
  const offsets = await cluster.offsets(topic);
  const count = offsets.reduce((n, o) => n + (o.high - o.low), 0);
  const wanted = offsets
    .filter((o) => o.high > o.low && limit > 0)
    .map((o) => ({ partition: o.partition, from: Math.max(o.low, o.high - limit), high: o.high }));
  const records: ConsumedRecord[] = [];
  if (wanted.length > 0) {
    const pending = new Set(wanted.map((w) => w.partition));
    const highs = new Map(wanted.map((w) => [w.partition, w.high]));
    let finish!: () => void;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const reader = cluster.reader({
      topic,
      name: `admin dead letters ${topic}`,
      partitions: wanted.map(({ partition, from }) => ({ partition, from })),
      onBatch: async (partition, batch, next) => {
        const high = highs.get(partition) ?? 0;
        for (const r of batch) if (r.offset < high) records.push(r);
        if (next >= high) {
          pending.delete(partition);
          if (pending.size === 0) finish();
        }
      },
    });
    const timer = setTimeout(finish, timeoutMs);
    try {
      await Promise.race([reader.start(), done]);
      await done;
    } finally {
      clearTimeout(timer);
      await reader.stop();
    }
  }
  const last = records
    .sort((a, b) => b.timestamp - a.timestamp || b.offset - a.offset)
    .slice(0, limit)
    .map(toDeadLetter);
  return { group, topic, exists: true, count, last };
}
