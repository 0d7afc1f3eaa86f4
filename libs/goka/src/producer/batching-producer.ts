import type { ClusterProducer, OutgoingRecord, RecordMetadata } from '../cluster/cluster.ts';

interface Pending {
  readonly record: OutgoingRecord;
  resolve(meta: RecordMetadata): void;
  reject(error: Error): void;
}

/**
 * Turns many concurrent single-record sends into few produce requests ("natural batching"):
 * records queue while one request is in flight and leave together in the next. One request at a
 * time also keeps every partition's records in the order they were sent, which the changelog
 * and the commit logic rely on.
 */
export class BatchingProducer {
  private queue: Pending[] = [];
  private inFlight: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly producer: ClusterProducer,
    private readonly maxBatch = 10_000,
  ) {}

  send(record: OutgoingRecord): Promise<RecordMetadata> {
    if (this.closed) return Promise.reject(new Error('producer is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.schedule();
    });
  }

  /** Records queued or in flight. */
  get pending(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    // setImmediate lets every callback of the current I/O turn add its records first.
    setImmediate(() => {
      this.scheduled = false;
      this.inFlight = this.drain().finally(() => {
        this.inFlight = undefined;
        if (this.queue.length > 0) this.schedule();
      });
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const metas = await this.producer.send(batch.map((p) => p.record));
        for (const [i, p] of batch.entries()) p.resolve(metas[i]!);
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        for (const p of batch) p.reject(err);
      }
    }
  }

  /** Resolves once everything sent so far is acknowledged or failed. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight || this.scheduled) {
      if (this.inFlight) await this.inFlight;
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.producer.close();
  }
}
