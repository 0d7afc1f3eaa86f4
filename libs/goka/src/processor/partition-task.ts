import { abortable, RecoveryAborted, throwIfStopped } from '../abort.ts';
import type { ConsumedRecord, TransactionalProducer } from '../cluster/cluster.ts';
import { DecodeError } from '../codec.ts';
import { type Effects, MessageContext } from '../context.ts';
import type { InputEdge } from '../edges.ts';
import type { Group } from '../group.ts';
import { RecoveryProgress } from '../recovery-progress.ts';
import { PartitionJobs } from '../schedule/partition-jobs.ts';
import type { Store } from '../storage/storage.ts';
import { type EffectWriter, SendingEffects } from './effect-writer.ts';
import { MembershipLapsed } from './lease/membership-lease.ts';
import { MessageDone } from './message-done.ts';
import { deadLetterRecord, messageFailure, processorFailure } from './message-failure.ts';
import { keyOf, MessageReads, NO_JOINS, NOT_CACHED } from './message-reads.ts';
import { OffsetTracker } from './offset-tracker.ts';
import { type PartitionTables, recoverTables } from './partition-recovery.ts';
import { type PartitionState, type PartitionStats, partitionStats } from './partition-stats.ts';
import { TransactionFailed } from './restart-budget.ts';
import type { ProcessorRuntime } from './runtime.ts';
import { TableState } from './table-state.ts';
import { TransactionEffects } from './transaction-effects.ts';

/** Resolves after the I/O callbacks that are due have run (a macrotask, unlike a microtask). */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The edge a record is handed to: an input, or the loopback. */
type MessageEdge = NonNullable<Group<unknown, unknown>['loopback']> | InputEdge<unknown, unknown, unknown>;

/**
 * Everything one processor instance does for one partition it owns: recover the table (and the
 * joined tables) from their changelogs, then process the partition's messages one at a time in
 * order, and commit each input offset once it and every earlier message are fully acknowledged.
 */
export class PartitionTask {
  readonly ready: Promise<void>;
  private _state: PartitionState = 'recovering';
  /** Stores and replicas the recovery opened (closed by `close()`). */
  private readonly tables: PartitionTables = { store: undefined, joinStores: new Map(), replicas: [] };
  /** The group table (with `persist`), set up once its store is open. */
  private table: TableState | undefined;
  private readonly trackers = new Map<string, OffsetTracker>();
  /** Per topic, where the consumer's position is past markers and aborted records (see `passed`). */
  private readonly passedTo = new Map<string, number>();
  private readonly progress: RecoveryProgress;
  /** Aborted by `close()`: every await of the recovery observes it. */
  private readonly closing = new AbortController();
  /** The first error that stops this partition; sticky, checked before every message. */
  private halted: Error | undefined;
  private processing: Promise<void> = Promise.resolve();
  private draining: Promise<void> = Promise.resolve();
  /** Exactly-once: the partition's transactional producer (fences the previous owner). */
  private readonly transaction: TransactionalProducer | undefined;
  /** Where the messages' effects go: sent as they happen, or one transaction per batch. */
  private readonly effects: EffectWriter;
  private readonly reads: MessageReads;
  /** Visits and timers, run in this partition's order (schedule/partition-jobs.ts). */
  readonly jobs: PartitionJobs;
  private processed = 0;
  private deadLettered = 0;
  private skippedTombstones = 0;

  constructor(
    private readonly runtime: ProcessorRuntime,
    readonly partition: number,
  ) {
    this.progress = new RecoveryProgress(`${runtime.group.name}/${partition}`, runtime.logger);
    // One transactional id per group partition: whoever owns the partition next fences us.
    this.transaction = runtime.exactlyOnce
      ? runtime.cluster.transactionalProducer!({ transactionalId: `${runtime.group.name}-${partition}` })
      : undefined;
    this.effects = this.transaction
      ? new TransactionEffects(runtime, partition, this.transaction)
      : new SendingEffects(runtime, partition, (error) => this.effectsFailed(error));
    this.reads = new MessageReads(runtime.group, runtime.scope.tableCodec, partition, this.tables);
    this.jobs = new PartitionJobs({
      runtime,
      partition,
      effects: this.effects,
      reads: this.reads,
      table: () => this.table,
      store: () => this.tables.store,
      running: () => this._state === 'running' && !this.halted,
      enqueue: (work) => this.enqueue(work),
      halt: (error) => this.halt(error),
    });
    this.ready = this.recover();
    this.ready.catch(() => undefined);
  }

  get state(): PartitionState {
    return this._state;
  }

  /** The group table's store: acknowledged (exactly-once: committed) rows only (routing/local-reads.ts). */
  get tableStore(): Store | undefined {
    return this.tables.store;
  }

  private async recover(): Promise<void> {
    const { group } = this.runtime;
    const signal = this.closing.signal;
    const name = `${group.name}/${this.partition}`;
    try {
      // Before reading the changelog: registering the id aborts a transaction a previous owner
      // left open, which would otherwise hold back what read-committed readers may see.
      if (this.transaction) await abortable(this.transaction.init(), signal, name);
      await recoverTables(this.runtime, this.partition, this.progress, signal, this.tables, (store) => {
        this.table = this.effects.table = new TableState(
          store,
          this.runtime.cacheSize,
          this.runtime.cacheBytes,
          (error) => {
            const failure = new Error(`group "${group.name}": store write failed`, { cause: error });
            this.halted ??= failure;
            this.runtime.fail(failure);
          },
        );
      });
      await this.table?.resume();
      // A task that replaces a lapsed one waits until the group confirms the membership again
      // (or re-hands the partition: a rejoin as a new member revokes, which aborts this wait).
      await this.runtime.lease.confirmed(signal, name);
      throwIfStopped(signal, name);
      if (this._state === 'recovering') this._state = 'running';
      this.jobs.start();
      this.runtime.logger.debug({ partition: this.partition }, 'partition running');
    } catch (error) {
      // A revocation or a stop during recovery is not a failure of the partition.
      if (signal.aborted) throw error instanceof RecoveryAborted ? error : new RecoveryAborted(name);
      this._state = 'failed';
      throw error;
    }
  }

  /** Processes a batch in order; throws when the group's policy stops the processor. */
  process(records: readonly ConsumedRecord[]): Promise<void> {
    const run = this.processing.then(async () => {
      await this.ready;
      const keys = records.map(keyOf);
      // The batch's keys that are neither pending nor cached, in one store request.
      if (this.table && records.length > 1) await this.table.prefetch(keys);
      const { sliceMs } = this.runtime;
      let sliceStart = performance.now();
      for (let i = 0; i < records.length; i++) {
        const record = records[i]!;
        // Every 8 messages: past the slice, give the event loop a turn (see `sliceMs`).
        if ((i & 7) === 7 && sliceMs > 0 && performance.now() - sliceStart > sliceMs) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
        if (this.halted) throw this.halted;
        // The lease: one Date.now() per record. A member that froze past its session goes on
        // with this loop when it thaws; nothing of it may be written any more.
        if (this.runtime.lease.lapsed()) throw this.runtime.leaseLapsed();
        if (this._state !== 'running') throw new Error(`partition ${this.partition} is ${this._state}`);
        // Most messages need no await at all (see processOne): no promise, no microtask hop.
        const waiting = this.processOne(record, keys[i]!);
        if (waiting) await waiting;
        this.effects.consumed(record.topic, record.offset);
        // Stream time (no call per record): a stream-time timer that falls due fires in this batch.
        if (record.timestamp > this.jobs.streamTime) {
          this.jobs.streamTime = record.timestamp;
          if (record.timestamp >= this.jobs.streamDue) await this.jobs.streamAdvanced(record.timestamp);
        }
      }
      try {
        await this.effects.endBatch();
      } catch (error) {
        if (error instanceof TransactionFailed) {
          this.halted = error;
          this._state = 'failed';
        }
        throw error;
      }
    });
    this.processing = run.catch(() => undefined);
    return run;
  }

  /** Runs work (a visit, a wall-clock timer) after every batch handed to `process` so far. */
  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.processing.then(async () => {
      await this.ready;
      return work();
    });
    this.processing = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** A visit or timer cannot go on: a failed transaction restarts the partition, else it fails. */
  private halt(error: Error): void {
    this.halted ??= error;
    this._state = 'failed';
    if (!(error instanceof TransactionFailed)) this.runtime.fail(error);
  }

  /**
   * Handles one message. Returns a promise only when the message has to wait (its table value
   * is neither pending nor cached, the group joins tables, or the callback is async); the
   * common path runs synchronously.
   */
  private processOne(record: ConsumedRecord, key: string): Promise<void> | undefined {
    const { group } = this.runtime;
    const tracker = this.trackerFor(record.topic);
    const done = new MessageDone(this.onFinish, record.topic, tracker, tracker.begin(record.offset));
    if (record.value === null) {
      // Inputs carry events; a tombstone on an input has no message to hand to a callback.
      this.skippedTombstones++;
      done.finish();
      return undefined;
    }
    const edge = record.topic === group.loopTopic ? group.loopback : this.runtime.inputs.get(record.topic);
    if (!edge) throw new Error(`group "${group.name}": no edge consumes topic "${record.topic}"`);
    let message: unknown;
    let current: unknown;
    try {
      try {
        message = edge.codec.decode(record.value);
      } catch (error) {
        throw new DecodeError(record.topic, record.partition, record.offset, error);
      }
      current = this.reads.valueNow(this.table, key);
    } catch (error) {
      this.handleFailure(record, error, done);
      return undefined;
    }
    if (current === NOT_CACHED || this.reads.joins) {
      return this.processWaiting(record, key, edge, message, current, done);
    }
    return this.runCallback(record, key, edge, message, current, NO_JOINS, done);
  }

  /** The path of a message that reads its table value from the store or joins tables. */
  private async processWaiting(
    record: ConsumedRecord,
    key: string,
    edge: MessageEdge,
    message: unknown,
    current: unknown,
    done: MessageDone,
  ): Promise<void> {
    let joined: ReadonlyMap<string, unknown>;
    try {
      if (current === NOT_CACHED) current = await this.reads.value(this.table, key);
      joined = await this.reads.joined(key);
    } catch (error) {
      this.handleFailure(record, error, done);
      return;
    }
    await this.runCallback(record, key, edge, message, current, joined, done);
  }

  /** Runs the callback; its effects are applied only when it returns without error. */
  private runCallback(
    record: ConsumedRecord,
    key: string,
    edge: MessageEdge,
    message: unknown,
    current: unknown,
    joined: ReadonlyMap<string, unknown>,
    done: MessageDone,
  ): Promise<void> | undefined {
    const ctx = new MessageContext(
      this.runtime.scope,
      key,
      record.topic,
      this.partition,
      record.offset,
      record.timestamp,
      record.headers,
      current,
      joined,
    );
    let result: void | Promise<void>;
    try {
      result = edge.callback(ctx, message);
    } catch (error) {
      this.handleFailure(record, error, done);
      return undefined;
    }
    if (result !== undefined && typeof (result as PromiseLike<void>).then === 'function') {
      return result.then(
        () => this.applied(record, key, ctx.effects, done),
        (error: unknown) => this.handleFailure(record, error, done),
      );
    }
    this.applied(record, key, ctx.effects, done);
    return undefined;
  }

  private applied(record: ConsumedRecord, key: string, effects: Effects, done: MessageDone): void {
    this.processed++;
    this.effects.apply(key, record.key, effects, done);
  }

  /** Dead-letters the message (policy 'dead-letter') or throws the failure that stops the partition. */
  private handleFailure(record: ConsumedRecord, error: unknown, done: MessageDone): void {
    const { group, policy, logger } = this.runtime;
    const failure = messageFailure(record, error);
    if (policy === 'dead-letter') {
      this.deadLettered++;
      logger.warn({ err: failure.cause, record: failure.where }, 'message sent to the dead-letter topic');
      this.effects.deadLetter(deadLetterRecord(group.deadLetterTopic, this.partition, record, failure), done);
      return;
    }
    const stop = processorFailure(group.name, failure);
    this.halted = stop;
    this._state = 'failed';
    this.runtime.fail(stop);
    throw stop;
  }

  /** Exactly-once: transactions this task committed (a restarted partition's progress). */
  get committedTransactions(): number {
    return this.effects.committedTransactions;
  }

  /**
   * A produce failed. The error is sticky: the partition processes no further message (the
   * check in `process` runs before each one), so nothing produced after the failure can
   * overtake what failed (Kafka Streams does the same); the processor fails.
   */
  private effectsFailed(error: Error): void {
    if (error instanceof MembershipLapsed) {
      this.lapse(error);
      return;
    }
    const failure = new Error(
      `group "${this.runtime.group.name}": writing effects of partition ${this.partition} failed`,
      { cause: error },
    );
    this.halted ??= failure;
    if (this._state === 'running' || this._state === 'recovering') this._state = 'failed';
    this.runtime.fail(failure);
  }

  /**
   * The membership lease ran out (the processor tells every task): no further message, the
   * writes held back are dropped, and `process`/`drain` throw the lapse, which the processor turns
   * into a restart of the partition — not a failure.
   */
  lapse(error: MembershipLapsed): number {
    if (this._state !== 'running' && this._state !== 'closing' && this._state !== 'lapsed') return 0;
    this.halted ??= error;
    if (this._state === 'running') this._state = 'lapsed';
    return this.effects.discard(error);
  }

  /** A message is done (bound once: every MessageDone of the task calls it). */
  private readonly onFinish = (topic: string, tracker: OffsetTracker, slot: number): void => {
    const committable = tracker.finish(slot);
    if (committable !== undefined) this.runtime.committable(topic, this.partition, committable);
  };

  /**
   * The consumer passed records that carry no message (transaction markers, aborted records)
   * up to `nextOffset`: for the stats, the partition is there — nothing is left to process.
   */
  passed(topic: string, nextOffset: number): void {
    if (nextOffset > (this.passedTo.get(topic) ?? 0)) this.passedTo.set(topic, nextOffset);
  }

  private trackerFor(topic: string): OffsetTracker {
    let tracker = this.trackers.get(topic);
    if (!tracker) {
      tracker = new OffsetTracker();
      this.trackers.set(topic, tracker);
    }
    return tracker;
  }

  /**
   * Resolves once every batch handed to `process` so far is processed and all its effects are
   * acknowledged (the offsets are then committable). Drains run one at a time.
   */
  drain(): Promise<void> {
    const run = this.draining.then(async () => {
      await this.processing;
      await this.effects.settle();
      if (this.halted instanceof MembershipLapsed) throw this.halted;
    });
    this.draining = run.catch(() => undefined);
    return run;
  }

  /**
   * Finishes the partition for a revocation, a restart or a stop: waits for the batch being
   * processed and for every effect in flight (their offsets become committable), writes the
   * store, releases the stores. The owner waits for the commit (`OffsetCommitter.settled`).
   */
  async close(): Promise<void> {
    if (this._state === 'closed') return;
    const failed = this._state === 'failed';
    this._state = 'closing';
    this.jobs.stop();
    // Aborts a recovery in progress wherever it waits (offsets, stores, readers, fencing).
    this.closing.abort();
    await this.ready.catch(() => undefined);
    await this.processing;
    // Lapsed: the held-back writes are dropped, not sent (settle below would send them).
    if (this.halted instanceof MembershipLapsed)
      this.runtime.writesDropped(this.effects.discard(this.halted));
    else if (this.runtime.lease.lapsed()) this.lapse(this.runtime.leaseLapsed());
    // Held-back table writes are sent here: they reach the changelog before the commit below,
    // or (a failed produce) the partition fails and their offsets are never committed.
    await this.effects.settle();
    await this.table?.flush();
    await Promise.all(this.tables.replicas.map((r) => r.stop()));
    await Promise.all([
      this.tables.store?.close(),
      ...[...this.tables.joinStores.values()].map((s) => s.close()),
    ]);
    await this.transaction?.close().catch(() => undefined);
    this._state = failed ? 'failed' : 'closed';
  }

  stats(): PartitionStats {
    return partitionStats(
      {
        partition: this.partition,
        state: this._state,
        processed: this.processed,
        deadLettered: this.deadLettered,
        skippedTombstones: this.skippedTombstones,
        coalescedWrites: this.effects.coalescedWrites,
        transactions: this.effects.committedTransactions,
        transactionRecords: this.effects.transactionRecords,
        recovery: this.progress.snapshot(),
      },
      this.trackers,
      this.passedTo,
    );
  }
}
