import type { ConsumedRecord } from '../cluster.ts';

/** The log of one partition and of one topic in the memory cluster: records with offsets. */

export interface StoredRecord extends ConsumedRecord {
  /** Global append order, used to interleave the topics of one partition as they were written. */
  readonly seq: number;
}

export class PartitionLog {
  readonly records: StoredRecord[] = [];
  high = 0;
  low = 0;
  private readonly listeners = new Set<() => void>();

  append(record: Omit<StoredRecord, 'offset'>): StoredRecord {
    const stored = { ...record, offset: this.high++ };
    this.records.push(stored);
    this.wake();
    return stored;
  }

  /** Records with offset >= from, at most max. */
  read(from: number, max: number): StoredRecord[] {
    let lo = 0;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.records[mid]!.offset < from) lo = mid + 1;
      else hi = mid;
    }
    return this.records.slice(lo, lo + max);
  }

  /** Calls `listener` on appends until the returned function removes it. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private wake(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

export class MemoryTopic {
  readonly logs: PartitionLog[];
  constructor(
    readonly name: string,
    partitions: number,
    readonly compacted: boolean,
  ) {
    this.logs = Array.from({ length: partitions }, () => new PartitionLog());
  }
  log(partition: number): PartitionLog {
    const log = this.logs[partition];
    if (!log)
      throw new Error(`topic "${this.name}" has no partition ${partition} (it has ${this.logs.length})`);
    return log;
  }
}
