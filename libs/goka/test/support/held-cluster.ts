import type { Cluster, ClusterProducer, OutgoingRecord, PartitionOffsets } from '../../src/index.ts';

/** Open until `hold()`; then callers wait until `open()`. */
class Gate {
  private opened = true;
  private waiters: (() => void)[] = [];
  waiting = 0;

  pass(): Promise<void> {
    if (this.opened) return Promise.resolve();
    this.waiting++;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  hold(): void {
    this.opened = false;
  }

  open(): void {
    this.opened = true;
    for (const w of this.waiters.splice(0)) w();
    this.waiting = 0;
  }
}

/**
 * Wraps a cluster so that a test holds the recovery path where it likes: changelog deliveries to
 * readers (`readers`), offset queries (`offsets`), and can make produce requests fail
 * (`failSendsWhen`). Everything else goes to the inner cluster unchanged.
 */
export class HeldCluster {
  readonly readers = new Gate();
  readonly offsetQueries = new Gate();
  /** Topics whose reader deliveries are held; empty: every topic. */
  heldTopics = new Set<string>();
  /** Readers started and not stopped. */
  openReaders = 0;
  /** A send whose records match is held until `releaseSends()`, then fails with `sendError`. */
  failSendsWhen: ((records: readonly OutgoingRecord[]) => boolean) | undefined;
  sendError = new Error('produce failed (test)');
  private heldSends: (() => void)[] = [];
  /** Records every produce request carried that reached the inner cluster, in order. */
  readonly sent: OutgoingRecord[] = [];

  constructor(readonly inner: Cluster) {}

  get heldSendCount(): number {
    return this.heldSends.length;
  }

  releaseSends(): void {
    for (const release of this.heldSends.splice(0)) release();
  }

  get cluster(): Cluster {
    const inner = this.inner;
    return {
      description: `held ${inner.description}`,
      autoCreateTopics: inner.autoCreateTopics,
      defaultPartitions: inner.defaultPartitions,
      partitionCount: (t) => inner.partitionCount(t),
      ensureTopics: (s) => inner.ensureTopics(s),
      offsets: async (t): Promise<PartitionOffsets[]> => {
        await this.offsetQueries.pass();
        return inner.offsets(t);
      },
      reader: (o) => {
        // A held delivery is dropped when its reader stops (a real delivery is one short store
        // write; what takes long is the number of them, which the gate stands for).
        let stopped!: () => void;
        const stopping = new Promise<'stopped'>((resolve) => {
          stopped = () => resolve('stopped');
        });
        const reader = inner.reader({
          ...o,
          onBatch: async (partition, records, next, high) => {
            if (this.heldTopics.size === 0 || this.heldTopics.has(o.topic)) {
              if ((await Promise.race([this.readers.pass(), stopping])) === 'stopped') return;
            }
            return o.onBatch(partition, records, next, high);
          },
        });
        let open = false;
        return {
          start: async () => {
            open = true;
            this.openReaders++;
            await reader.start();
          },
          stop: async () => {
            if (open) this.openReaders--;
            open = false;
            stopped();
            await reader.stop();
          },
        };
      },
      groupConsumer: (o) => inner.groupConsumer(o),
      close: () => inner.close(),
      producer: (o) => this.producer(inner.producer(o)),
    };
  }

  private producer(inner: ClusterProducer): ClusterProducer {
    return {
      send: async (records) => {
        if (this.failSendsWhen?.(records)) {
          await new Promise<void>((resolve) => this.heldSends.push(resolve));
          throw this.sendError;
        }
        const metas = await inner.send(records);
        this.sent.push(...records);
        return metas;
      },
      close: () => inner.close(),
    };
  }
}
