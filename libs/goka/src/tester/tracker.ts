import type { Headers } from '../cluster/cluster.ts';
import type { MemoryCluster, StoredRecord } from '../cluster/memory-cluster.ts';
import type { Codec } from '../codec.ts';

export interface TrackedMessage<T> {
  readonly key: string;
  /** undefined for a tombstone. */
  readonly value: T | undefined;
  readonly partition: number;
  readonly offset: number;
  readonly headers: Headers;
}

/**
 * Reads what was written to a topic since the tracker was made, across all partitions in the
 * order the records were appended (deterministic on the memory cluster).
 */
export class Tracker<T> {
  private readonly positions: number[];

  constructor(
    private readonly cluster: MemoryCluster,
    readonly topic: string,
    private readonly codec: Codec<T>,
    partitions: number,
  ) {
    this.positions = Array.from({ length: partitions }, (_, p) => this.end(p));
  }

  /** The next unread message, or undefined when all were read. */
  next(): TrackedMessage<T> | undefined {
    let best: StoredRecord | undefined;
    for (let p = 0; p < this.positions.length; p++) {
      const r = this.cluster.records(this.topic, p).find((x) => x.offset >= this.positions[p]!);
      if (r && (!best || r.seq < best.seq)) best = r;
    }
    if (!best) return undefined;
    this.positions[best.partition] = best.offset + 1;
    return {
      key: best.key?.toString('utf8') ?? '',
      value: best.value === null ? undefined : this.codec.decode(best.value),
      partition: best.partition,
      offset: best.offset,
      headers: best.headers,
    };
  }

  /** Every unread message, in order. */
  all(): TrackedMessage<T>[] {
    const out: TrackedMessage<T>[] = [];
    for (let m = this.next(); m; m = this.next()) out.push(m);
    return out;
  }

  /** High-water marks per partition. */
  hwm(): number[] {
    return this.positions.map((_, p) => this.end(p));
  }

  private end(partition: number): number {
    const records = this.cluster.records(this.topic, partition);
    return records.length === 0 ? 0 : records[records.length - 1]!.offset + 1;
  }
}
