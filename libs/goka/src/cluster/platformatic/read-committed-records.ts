import type { ConsumedRecord, Headers } from '../cluster.ts';

/** The parts of a fetched record batch (platformatic's `RecordsBatch`) the filter reads. */
export interface FetchedBatch {
  readonly firstOffset: bigint;
  readonly lastOffsetDelta: number;
  readonly attributes: number;
  readonly firstTimestamp: bigint;
  readonly maxTimestamp: bigint;
  readonly producerId: bigint;
  readonly records: readonly FetchedRecord[];
}

export interface FetchedRecord {
  readonly timestampDelta: bigint;
  readonly offsetDelta: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly (readonly [Buffer | null, Buffer | null])[];
}

export interface AbortedTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

// Record batch attributes (Kafka's DefaultRecordBatch).
const LOG_APPEND_TIME = 1 << 3;
const TRANSACTIONAL = 1 << 4;
const CONTROL = 1 << 5;
/** Control record key: version (int16), type (int16); type 0 is ABORT, 1 COMMIT. */
const ABORT = 0;

/**
 * The committed records of one partition's fetched batches from offset `from` on, and the offset
 * to fetch next, by the Java consumer's rule (Fetcher/CompletedFetch): walking the batches in
 * offset order, a producer joins the aborted set once the walk reaches its aborted transaction's
 * first offset (the broker lists every aborted transaction overlapping the fetch), a
 * transactional batch of a producer in the set is dropped, and the producer's ABORT marker takes
 * it out again. Each aborted transaction is an entry of its own, so several of one producer, or
 * several producers interleaved, are all dropped; one whose marker lies beyond this response
 * stays dropped up to the response's end (the next fetch lists it again). Control batches
 * (markers) are never delivered, but they move `next`.
 */
export function committedRecords(
  topic: string,
  partition: number,
  batches: readonly FetchedBatch[],
  abortedTransactions: readonly AbortedTransaction[],
  from: number,
): { records: ConsumedRecord[]; next: number } {
  const aborted =
    abortedTransactions.length > 1
      ? [...abortedTransactions].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1))
      : abortedTransactions;
  let nextAborted = 0;
  const abortedProducers = new Set<bigint>();
  const records: ConsumedRecord[] = [];
  let next = from;
  for (const batch of batches) {
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    const after = Number(last) + 1;
    if (after <= from) continue; // a batch before the position (the broker starts at a batch boundary)
    next = Math.max(next, after);
    if (batch.producerId >= 0n) {
      while (nextAborted < aborted.length && aborted[nextAborted]!.firstOffset <= last) {
        abortedProducers.add(aborted[nextAborted]!.producerId);
        nextAborted++;
      }
      if (batch.attributes & CONTROL) {
        if (isAbortMarker(batch)) abortedProducers.delete(batch.producerId);
        continue;
      }
      if (batch.attributes & TRANSACTIONAL && abortedProducers.has(batch.producerId)) continue;
    } else if (batch.attributes & CONTROL) continue;
    const base = Number(batch.firstOffset);
    const logAppendTime = (batch.attributes & LOG_APPEND_TIME) !== 0;
    for (const r of batch.records) {
      const offset = base + r.offsetDelta;
      if (offset < from) continue;
      records.push({
        topic,
        partition,
        offset,
        key: r.key,
        value: r.value,
        timestamp: Number(logAppendTime ? batch.maxTimestamp : batch.firstTimestamp + r.timestampDelta),
        headers: r.headers.length === 0 ? {} : toHeaders(r.headers),
      });
    }
  }
  return { records, next };
}

function isAbortMarker(batch: FetchedBatch): boolean {
  const key = batch.records[0]?.key;
  return key !== null && key !== undefined && key.length >= 4 && key.readInt16BE(2) === ABORT;
}

function toHeaders(raw: readonly (readonly [Buffer | null, Buffer | null])[]): Headers {
  // Header names are chosen by whoever produced: no prototype to collide with (`__proto__`).
  const headers = Object.create(null) as Headers;
  // Kafka allows a header name more than once; the seam keeps the last, like kafkajs' reader.
  for (const [name, value] of raw) {
    if (name === null || value === null) continue;
    headers[name.toString()] = value.toString();
  }
  return headers;
}
