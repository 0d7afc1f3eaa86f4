import type { ClusterProducer, OutgoingRecord, RecordMetadata } from '../cluster/cluster.ts';
import { perTopic } from '../per-topic.ts';

/** Called once per record: with its metadata when acknowledged, or with the error. */
export type SendCallback = (error: Error | undefined, meta: RecordMetadata | undefined) => void;

/**
 * The object form of a `SendCallback`: hot paths pass an object they allocate anyway (one per
 * message or table write) instead of a closure per record.
 */
export interface SendTarget {
  sent(error: Error | undefined, meta: RecordMetadata | undefined): void;
}

function notify(done: SendCallback | SendTarget, error: Error | undefined, meta?: RecordMetadata): void {
  if (typeof done === 'function') done(error, meta);
  else done.sent(error, meta);
}

/**
 * Records per produce request. kafkajs groups a request's records per partition by copying the
 * partition's array for every record (quadratic), so very large requests cost more than they
 * save. Measured with `npm run bench -- --only produce` (500k records, 6 partitions, one request
 * in flight): 1,000 → 0.69x raw kafkajs, 2,000 → 0.95x, 4,000 → 0.80x, 10,000 → 0.63x.
 */
const MAX_BATCH = 2_000;

/**
 * Turns many concurrent single-record sends into few produce requests ("natural batching"):
 * records queue while one request is in flight and leave together in the next. One request at a
 * time also keeps every partition's records in the order they were sent, which the changelog
 * and the commit logic rely on. `maxInFlight` > 1 keeps that order per partition too (requests
 * on disjoint partitions); measured on a machine that runs the broker as well it did not pay (see
 * bench/README.md, Emitter levers), so processors keep one request at a time.
 */
export interface BatchingProducerOptions {
  /** Records per produce request. */
  readonly maxBatch?: number;
  /**
   * After a failed request, fail every record queued behind it and every later one with the same
   * error, without sending them. A processor needs this: a record sent after an earlier one
   * failed would reach the topic out of order (M5 before the retried M4). An emitter does not:
   * each emit stands alone and a caller may retry it.
   */
  readonly stickyErrors?: boolean;
  /**
   * Produce requests in flight at once (default 1). Above 1 the requests carry disjoint sets of
   * partitions: a partition's next records leave only after its previous request settled (its
   * retries included), so each partition keeps its order without an idempotent producer.
   */
  readonly maxInFlight?: number;
}

export class BatchingProducer {
  // Two parallel arrays instead of one {record, done} object per record: the records array goes
  // to the producer as it is, and a record costs no wrapper allocation.
  private records: OutgoingRecord[] = [];
  private callbacks: (SendCallback | SendTarget)[] = [];
  private inFlight: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;
  private readonly maxBatch: number;
  private readonly stickyErrors: boolean;
  private readonly maxInFlight: number;
  private failure: Error | undefined;
  /** maxInFlight > 1: requests in flight, and per topic the partitions they carry. */
  private readonly requests = new Set<Promise<void>>();
  private readonly busy = new Map<string, boolean[]>();
  /** The callbacks of every request in flight: `abandon` fails them without waiting for the client. */
  private readonly sending = new Set<(SendCallback | SendTarget)[]>();

  constructor(
    private readonly producer: ClusterProducer,
    options: BatchingProducerOptions | number = {},
  ) {
    const settings = typeof options === 'number' ? { maxBatch: options } : options;
    this.maxBatch = settings.maxBatch ?? MAX_BATCH;
    this.stickyErrors = settings.stickyErrors ?? false;
    this.maxInFlight = settings.maxInFlight ?? 1;
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) {
      throw new RangeError(`maxInFlight must be a positive integer, got ${settings.maxInFlight}`);
    }
  }

  /** The error that stopped a sticky producer. */
  get error(): Error | undefined {
    return this.failure;
  }

  send(record: OutgoingRecord): Promise<RecordMetadata> {
    return new Promise((resolve, reject) => {
      this.enqueue(record, (error, meta) => (error ? reject(error) : resolve(meta!)));
    });
  }

  /** Callback form of `send`, for hot paths that would otherwise allocate a promise per record. */
  enqueue(record: OutgoingRecord, done: SendCallback | SendTarget): void {
    if (this.failure) {
      notify(done, this.failure);
      return;
    }
    if (this.closed) {
      notify(done, new Error('producer is closed'));
      return;
    }
    this.records.push(record);
    this.callbacks.push(done);
    this.schedule();
  }

  /** Records queued, not yet in a request. */
  get pending(): number {
    return this.records.length;
  }

  private schedule(): void {
    if (this.maxInFlight > 1) {
      this.schedulePipelined();
      return;
    }
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    // setImmediate lets every callback of the current I/O turn add its records first.
    setImmediate(() => {
      this.scheduled = false;
      this.inFlight = this.drain().finally(() => {
        this.inFlight = undefined;
        if (this.records.length > 0) this.schedule();
      });
    });
  }

  private async drain(): Promise<void> {
    while (this.records.length > 0) {
      let records: OutgoingRecord[];
      let callbacks: (SendCallback | SendTarget)[];
      if (this.records.length <= this.maxBatch) {
        records = this.records;
        callbacks = this.callbacks;
        this.records = [];
        this.callbacks = [];
      } else {
        records = this.records.splice(0, this.maxBatch);
        callbacks = this.callbacks.splice(0, this.maxBatch);
      }
      let metas: RecordMetadata[];
      this.sending.add(callbacks);
      try {
        metas = await this.producer.send(records);
      } catch (error) {
        // Abandoned meanwhile: its callbacks heard already.
        if (this.sending.delete(callbacks)) this.requestFailed(callbacks, error);
        continue;
      }
      if (!this.sending.delete(callbacks)) continue;
      for (let i = 0; i < callbacks.length; i++) notify(callbacks[i]!, undefined, metas[i]);
    }
  }

  private schedulePipelined(): void {
    if (this.scheduled || this.requests.size >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  /**
   * Sends requests while slots are free and queued records have a partition not in flight. Each
   * request claims its share of the free partitions (so the slots split the partitions between
   * them) and takes their queued records in queue order; the others stay queued, in order.
   */
  private dispatch(): void {
    while (this.requests.size < this.maxInFlight && this.records.length > 0) {
      const slots = this.maxInFlight - this.requests.size;
      const free = this.freePartitions();
      if (free === 0) return;
      const claim = Math.ceil(free / slots);
      const claimed = new Map<string, true[]>();
      let claimedCount = 0;
      const records: OutgoingRecord[] = [];
      const callbacks: (SendCallback | SendTarget)[] = [];
      const keptRecords: OutgoingRecord[] = [];
      const keptCallbacks: (SendCallback | SendTarget)[] = [];
      for (let i = 0; i < this.records.length; i++) {
        const r = this.records[i]!;
        let mine = false;
        if (records.length < this.maxBatch) {
          const parts = perTopic(claimed, r.topic);
          mine = parts[r.partition] === true;
          // A partition is claimed at its first queued record or never in this request (what
          // skips a record — busy partition, claim used up — skips the partition's later ones
          // too), so the request takes a prefix of each partition's queued records.
          if (!mine && claimedCount < claim && parts[r.partition] === undefined && !this.isBusy(r)) {
            parts[r.partition] = true;
            claimedCount++;
            mine = true;
          }
        }
        if (mine) {
          records.push(r);
          callbacks.push(this.callbacks[i]!);
        } else {
          keptRecords.push(r);
          keptCallbacks.push(this.callbacks[i]!);
        }
      }
      if (records.length === 0) return;
      this.records = keptRecords;
      this.callbacks = keptCallbacks;
      this.mark(claimed, true);
      this.sending.add(callbacks);
      const request: Promise<void> = this.producer.send(records).then(
        (metas) => {
          if (!this.sending.delete(callbacks)) return;
          for (let i = 0; i < callbacks.length; i++) notify(callbacks[i]!, undefined, metas[i]);
        },
        (error: unknown) => {
          if (this.sending.delete(callbacks)) this.requestFailed(callbacks, error);
        },
      );
      const settled = request.finally(() => {
        this.requests.delete(settled);
        this.mark(claimed, false);
        this.inFlight = this.requests.size > 0 ? Promise.race(this.requests) : undefined;
        this.dispatch();
      });
      this.requests.add(settled);
      this.inFlight = Promise.race(this.requests);
    }
  }

  private isBusy(r: OutgoingRecord): boolean {
    return this.busy.get(r.topic)?.[r.partition] === true;
  }

  /** Partitions with queued records that no request carries. */
  private freePartitions(): number {
    const seen = new Map<string, boolean[]>();
    let free = 0;
    for (const r of this.records) {
      const parts = perTopic(seen, r.topic);
      if (parts[r.partition] || this.isBusy(r)) continue;
      parts[r.partition] = true;
      free++;
    }
    return free;
  }

  private mark(claimed: Map<string, true[]>, inFlight: boolean): void {
    for (const [topic, parts] of claimed) {
      const busy = perTopic(this.busy, topic);
      for (let p = 0; p < parts.length; p++) if (parts[p]) busy[p] = inFlight;
    }
  }

  /**
   * A request failed: its records fail with the error; a sticky producer also fails everything
   * queued behind it and every later record.
   */
  private requestFailed(callbacks: readonly (SendCallback | SendTarget)[], error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    for (const done of callbacks) notify(done, err);
    if (!this.stickyErrors) return;
    this.failure ??= err;
    const rest = this.callbacks;
    this.records = [];
    this.callbacks = [];
    for (const done of rest) notify(done, err);
  }

  /** Resolves once everything sent so far is acknowledged or failed. */
  async flush(): Promise<void> {
    while (this.records.length > 0 || this.inFlight || this.scheduled) {
      if (this.inFlight) await this.inFlight;
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.producer.close();
  }

  /**
   * Fails every record queued but not yet handed to the client with `error` (their writes must
   * not happen: a processor whose group membership lapsed computed them from stale state).
   * Records of a request already in flight are not affected. Returns how many were dropped.
   */
  discardQueued(error: Error): number {
    const callbacks = this.callbacks;
    this.records = [];
    this.callbacks = [];
    for (const done of callbacks) notify(done, error);
    return callbacks.length;
  }

  /**
   * Gives the producer up: everything queued and every record of a request in flight fails with
   * `error` now, and nothing more is sent. A processor whose membership lapsed drops the producer
   * this way: waiting for its requests in flight is no use (their outcome changes nothing — the
   * partitions start over from the committed offsets) and can take for ever — a request to a
   * broker that died may stay unanswered inside the client for minutes (seen on the three-broker
   * failover test: a partition's drain waited on one for 5 minutes, holding its batch, so kafkajs
   * never rejoined the group). What such a request carried may still land; at-least-once that is
   * a duplicate at most, as for any write in flight at a lapse. Returns how many queued records
   * were dropped (those of requests in flight are not counted: the client had them).
   */
  abandon(error: Error): number {
    this.failure ??= error;
    const dropped = this.discardQueued(error);
    const inFlight = [...this.sending];
    this.sending.clear();
    for (const callbacks of inFlight) for (const done of callbacks) notify(done, error);
    return dropped;
  }
}
