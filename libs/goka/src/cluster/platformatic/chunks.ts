import type { OutgoingRecord } from '../cluster.ts';

/** An upper estimate of a record's size in a v2 record batch (varint lengths, attributes, deltas). */
export function recordSize(r: OutgoingRecord): number {
  let size = 32 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  if (r.headers)
    for (const name in r.headers) size += 10 + Buffer.byteLength(name) + Buffer.byteLength(r.headers[name]!);
  return size;
}

/**
 * The end of the longest run from `start` in which no topic-partition gets more than
 * `maxPartitionBytes`. A record larger than the limit on its own leads the next request (so it
 * still leaves, and the broker names the problem instead of the request stalling). A client puts
 * one partition's records of a request into one record batch, which the broker rejects above its
 * `message.max.bytes` (1 MiB by default).
 */
export function chunkEnd(
  records: readonly OutgoingRecord[],
  start: number,
  maxPartitionBytes: number,
): number {
  // Most requests go to one topic: a per-partition array for it, a map only for the others.
  const first = records[start]?.topic;
  const firstBytes: number[] = [];
  let other: Map<string, number> | undefined;
  for (let i = start; i < records.length; i++) {
    const r = records[i]!;
    const size = recordSize(r);
    let total: number;
    if (r.topic === first) {
      total = (firstBytes[r.partition] ?? 0) + size;
      if (total > maxPartitionBytes && i > start) return i;
      firstBytes[r.partition] = total;
    } else {
      other ??= new Map();
      const key = `${r.partition}\u0000${r.topic}`;
      total = (other.get(key) ?? 0) + size;
      if (total > maxPartitionBytes && i > start) return i;
      other.set(key, total);
    }
  }
  return records.length;
}
