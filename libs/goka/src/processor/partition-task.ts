import type { ConsumedRecord } from '../cluster/cluster.ts';
import { DecodeError } from '../codec.ts';
import { CallbackFailure, type Effects, MessageContext } from '../context.ts';
import { RecoveryProgress } from '../recovery-progress.ts';
import type { Store, StoreOp } from '../storage/storage.ts';
import { RecoveryAborted, TableReplica } from '../table-replica.ts';
import { OffsetTracker } from './offset-tracker.ts';
import { Overlay } from './overlay.ts';
import type { ProcessorRuntime } from './runtime.ts';

export type PartitionState = 'recovering' | 'running' | 'closing' | 'closed' | 'failed';

export interface PartitionStats {
  readonly partition: number;
  readonly state: PartitionState;
  readonly processed: number;
  readonly deadLettered: number;
  readonly skippedTombstones: number;
  /** Messages started whose effects are not all acknowledged yet. */
  readonly inFlight: number;
  readonly recovery: ReturnType<RecoveryProgress['snapshot']>;
}

/**
 * Everything one processor instance does for one partition it owns: recover the table (and the
 * joined tables) from their changelogs, then process the partition's messages one at a time in
 * order, and commit each input offset once it and every earlier message are fully acknowledged.
 */
export class PartitionTask {
  readonly ready: Promise<void>;
  private _state: PartitionState = 'recovering';
  private store: Store | undefined;
  private readonly joinStores = new Map<string, Store>();
  private readonly replicas: TableReplica[] = [];
  private readonly overlay = new Overlay();
  private readonly trackers = new Map<string, OffsetTracker>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly progress: RecoveryProgress;
  private halted: Error | undefined;
  private processing: Promise<void> = Promise.resolve();
  // Store writes wait for changelog acks and leave in batches, one batch at a time.
  private storeOps: StoreOp[] = [];
  private storeKeys: string[] = [];
  private storeOffset = 0;
  private storeChain: Promise<void> = Promise.resolve();
  private storeFlushScheduled = false;
  private processed = 0;
  private deadLettered = 0;
  private skippedTombstones = 0;

  constructor(
    private readonly rt: ProcessorRuntime,
    readonly partition: number,
  ) {
    this.progress = new RecoveryProgress(`${rt.group.name}/${partition}`, rt.logger);
    this.ready = this.recover();
    this.ready.catch(() => undefined);
  }

  get state(): PartitionState {
    return this._state;
  }

  private async recover(): Promise<void> {
    const { group, storage, cluster } = this.rt;
    try {
      const replicas: Promise<void>[] = [];
      if (group.persist) {
        this.store = await storage.open(group.table, this.partition);
        const own = new TableReplica({
          cluster,
          topic: group.table,
          name: `${group.name}/${this.partition} table`,
          partitions: [{ partition: this.partition, store: this.store }],
          progress: this.progress,
          onError: (error) => this.rt.fail(error),
        });
        this.replicas.push(own);
        // Only this group writes its table: once caught up there is nothing more to follow.
        replicas.push(
          own.start().then(() => {
            this.replicas.splice(this.replicas.indexOf(own), 1);
            return own.stop();
          }),
        );
      }
      for (const j of group.joins) {
        const store = await storage.open(j.table, this.partition);
        this.joinStores.set(j.table, store);
        const replica = new TableReplica({
          cluster,
          topic: j.table,
          name: `${group.name}/${this.partition} join ${j.table}`,
          partitions: [{ partition: this.partition, store }],
          progress: this.progress,
          onError: (error) => this.rt.fail(error),
        });
        this.replicas.push(replica);
        replicas.push(replica.start());
      }
      await Promise.all(replicas);
      this.storeOffset = (await this.store?.getOffset()) ?? 0;
      if (this._state === 'recovering') this._state = 'running';
      this.rt.partitionRunning(this.partition);
    } catch (error) {
      if (error instanceof RecoveryAborted && this._state === 'closing') throw error;
      this._state = 'failed';
      throw error;
    }
  }

  /** Processes a batch in order; throws when the group's policy stops the processor. */
  process(records: readonly ConsumedRecord[]): Promise<void> {
    const run = this.processing.then(async () => {
      await this.ready;
      for (const record of records) {
        if (this.halted) throw this.halted;
        if (this._state !== 'running') throw new Error(`partition ${this.partition} is ${this._state}`);
        await this.processOne(record);
      }
    });
    this.processing = run.catch(() => undefined);
    return run;
  }

  private async processOne(record: ConsumedRecord): Promise<void> {
    const { group, scope } = this.rt;
    const tracker = this.trackerFor(record.topic);
    const slot = tracker.begin(record.offset);
    const finish = () => this.finished(record.topic, tracker, slot);
    if (record.value === null) {
      // Inputs carry events; a tombstone on an input has no message to hand to a callback.
      this.skippedTombstones++;
      finish();
      return;
    }
    const edge = record.topic === group.loopTopic ? group.loopback : this.rt.inputs.get(record.topic);
    if (!edge) throw new Error(`group "${group.name}": no edge consumes topic "${record.topic}"`);
    let effects: Effects;
    const key = record.key?.toString('utf8') ?? '';
    try {
      let message: unknown;
      try {
        message = edge.codec.decode(record.value);
      } catch (error) {
        throw new DecodeError(record.topic, record.partition, record.offset, error);
      }
      const current = await this.readValue(key);
      const joined = await this.readJoins(key);
      const ctx = new MessageContext(
        scope,
        key,
        record.topic,
        this.partition,
        record.offset,
        record.timestamp,
        record.headers,
        current,
        joined,
      );
      await edge.callback(ctx, message);
      effects = ctx.effects;
    } catch (error) {
      await this.handleFailure(record, error, finish);
      return;
    }
    this.processed++;
    this.apply(key, effects, finish);
  }

  private apply(key: string, effects: Effects, finish: () => void): void {
    const { group, producer } = this.rt;
    const sends: Promise<unknown>[] = [];
    if (effects.table !== undefined) {
      const value = effects.table;
      this.overlay.put(key, value);
      sends.push(
        producer
          .send({ topic: group.table, partition: this.partition, key: Buffer.from(key, 'utf8'), value })
          .then((meta) => this.tableAcked(key, value, meta.offset)),
      );
    }
    for (const record of effects.records) sends.push(producer.send(record));
    if (sends.length === 0) {
      finish();
      return;
    }
    this.track(Promise.all(sends).then(finish));
  }

  private async handleFailure(record: ConsumedRecord, error: unknown, finish: () => void): Promise<void> {
    const { group, policy, logger, producer } = this.rt;
    const cause = error instanceof CallbackFailure ? error.cause : error;
    const message = cause instanceof Error ? cause.message : String(cause);
    const where = `${record.topic}/${record.partition}@${record.offset}`;
    if (policy === 'dead-letter') {
      this.deadLettered++;
      logger.warn({ err: cause, record: where }, 'message sent to the dead-letter topic');
      this.track(
        producer
          .send({
            topic: group.deadLetterTopic,
            partition: this.partition,
            key: record.key,
            value: record.value,
            headers: {
              ...record.headers,
              'goka-error': message,
              'goka-error-kind': error instanceof DecodeError ? 'decode' : 'callback',
              'goka-topic': record.topic,
              'goka-partition': String(record.partition),
              'goka-offset': String(record.offset),
            },
          })
          .then(finish),
      );
      return;
    }
    const failure = new Error(
      `group "${group.name}": ${error instanceof DecodeError ? '' : 'callback failed on '}${
        error instanceof DecodeError ? message : `${where}: ${message}`
      }`,
      { cause },
    );
    this.halted = failure;
    this._state = 'failed';
    this.rt.fail(failure);
    throw failure;
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => {
      this.rt.fail(
        new Error(`group "${this.rt.group.name}": writing effects of partition ${this.partition} failed`, {
          cause: error,
        }),
      );
    });
    this.inFlight.add(tracked);
    tracked.finally(() => this.inFlight.delete(tracked));
  }

  private finished(topic: string, tracker: OffsetTracker, slot: number): void {
    const committable = tracker.finish(slot);
    if (committable !== undefined) this.rt.committable(topic, this.partition, committable);
  }

  private trackerFor(topic: string): OffsetTracker {
    let tracker = this.trackers.get(topic);
    if (!tracker) {
      tracker = new OffsetTracker();
      this.trackers.set(topic, tracker);
    }
    return tracker;
  }

  private async readValue(key: string): Promise<unknown> {
    const codec = this.rt.scope.tableCodec;
    if (!codec || !this.store) return undefined;
    const pending = this.overlay.get(key);
    const raw = pending !== undefined ? pending : await this.store.get(key);
    if (raw === null || raw === undefined) return undefined;
    try {
      return codec.decode(raw);
    } catch (error) {
      throw new DecodeError(this.rt.group.table, this.partition, -1, error);
    }
  }

  private async readJoins(key: string): Promise<Map<string, unknown>> {
    const joined = new Map<string, unknown>();
    for (const j of this.rt.group.joins) {
      const raw = await this.joinStores.get(j.table)!.get(key);
      if (raw === undefined) continue;
      try {
        joined.set(j.table, j.codec.decode(raw));
      } catch (error) {
        throw new DecodeError(j.table, this.partition, -1, error);
      }
    }
    return joined;
  }

  private tableAcked(key: string, value: Buffer | null, offset: number): void {
    this.storeOps.push(value === null ? { type: 'del', key } : { type: 'put', key, value });
    this.storeKeys.push(key);
    this.storeOffset = Math.max(this.storeOffset, offset + 1);
    if (this.storeFlushScheduled) return;
    this.storeFlushScheduled = true;
    // Acks of one produce request resolve together; gather them into one store batch.
    queueMicrotask(() => {
      this.storeFlushScheduled = false;
      this.flushStore();
    });
  }

  private flushStore(): Promise<void> {
    const ops = this.storeOps;
    const keys = this.storeKeys;
    const offset = this.storeOffset;
    if (ops.length === 0) return this.storeChain;
    this.storeOps = [];
    this.storeKeys = [];
    const store = this.store!;
    this.storeChain = this.storeChain.then(async () => {
      try {
        await store.write(ops, offset);
      } catch (error) {
        this.rt.fail(new Error(`group "${this.rt.group.name}": store write failed`, { cause: error }));
        return;
      }
      for (const key of keys) this.overlay.release(key);
    });
    return this.storeChain;
  }

  /**
   * Finishes the partition for a revocation or a stop: waits for the batch being processed and
   * for every effect in flight, writes the store, commits what is done, releases the stores.
   */
  async close(): Promise<void> {
    if (this._state === 'closed') return;
    const failed = this._state === 'failed';
    const recovering = this._state === 'recovering';
    this._state = 'closing';
    if (recovering) await Promise.all(this.replicas.map((r) => r.stop()));
    await this.ready.catch(() => undefined);
    await this.processing;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.flushStore();
    await this.rt.commitNow();
    await Promise.all(this.replicas.map((r) => r.stop()));
    await Promise.all([this.store?.close(), ...[...this.joinStores.values()].map((s) => s.close())]);
    this._state = failed ? 'failed' : 'closed';
  }

  stats(): PartitionStats {
    let inFlight = 0;
    for (const t of this.trackers.values()) inFlight += t.open;
    return {
      partition: this.partition,
      state: this._state,
      processed: this.processed,
      deadLettered: this.deadLettered,
      skippedTombstones: this.skippedTombstones,
      inFlight,
      recovery: this.progress.snapshot(),
    };
  }
}
