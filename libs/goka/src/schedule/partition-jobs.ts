import { CallbackFailure, MessageContext } from '../context.ts';
import type { Context } from '../edges.ts';
import type { EffectWriter } from '../processor/effect-writer.ts';
import { MessageDone } from '../processor/message-done.ts';
import { type MessageReads, NO_JOINS } from '../processor/message-reads.ts';
import { OffsetTracker } from '../processor/offset-tracker.ts';
import { TransactionFailed } from '../processor/restart-budget.ts';
import type { ProcessorRuntime } from '../processor/runtime.ts';
import type { TableState } from '../processor/table-state.ts';
import type { Store } from '../storage/storage.ts';
import { firstBoundaryAfter } from './boundaries.ts';
import type { TimerContext, TimerEdge, VisitorEdge } from './edges.ts';

/** What the jobs of one partition use of its task (partition-task.ts implements it). */
export interface JobHost {
  readonly runtime: ProcessorRuntime;
  readonly partition: number;
  readonly effects: EffectWriter;
  readonly reads: MessageReads;
  table(): TableState | undefined;
  store(): Store | undefined;
  /** Running and not halted: a job goes on only while this holds. */
  running(): boolean;
  /** Queues work in the partition's order, after every batch handed to the task so far. */
  enqueue<T>(work: () => Promise<T>): Promise<T>;
  /** The partition cannot go on (the processor fails, or restarts it for a failed transaction). */
  halt(error: Error): void;
}

/** Keys read from the store per step of a visit (and, exactly-once, per transaction). */
const VISIT_CHUNK = 256;
const NO_HEADERS = Object.freeze({});
/** Visits and timers have no input offsets to commit: their messages finish into a void. */
const unfinished = (): void => undefined;

/** One visit's outcome on one partition. */
export interface PartitionVisit {
  readonly partition: number;
  readonly visited: number;
  /** The partition stopped running (revoked, stopping, failed) before every key was visited. */
  readonly interrupted: boolean;
}

/**
 * The work of one partition that is not a consumed record: visits over the table and timers.
 * Each runs in the partition's order — queued behind the batches handed over before it (a
 * visit or a wall-clock timer), or inline in the batch whose record moved stream time past a
 * boundary — so it never interleaves with a callback. Effects take the messages' path: sent at
 * once (at-least-once) or committed in the partition's transaction (exactly-once).
 */
export class PartitionJobs {
  /** The largest record timestamp processed; -Infinity until the first record. */
  streamTime = Number.NEGATIVE_INFINITY;
  private readonly streamTimers: { readonly edge: TimerEdge; next: number }[];
  private readonly cancels: (() => void)[] = [];
  private stopped = false;
  private fired = 0;

  constructor(private readonly host: JobHost) {
    this.streamTimers = host.runtime.group.timers
      .filter((t) => t.clock === 'stream')
      .map((edge) => ({ edge: edge as TimerEdge, next: Number.NaN }));
    this.streamDue = this.streamTimers.length > 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }

  /** Timers fired on this partition. */
  get timersFired(): number {
    return this.fired;
  }

  /** The partition runs: its wall-clock timers start. */
  start(): void {
    for (const edge of this.host.runtime.group.timers) {
      if (edge.clock === 'wall') this.scheduleWall(edge as TimerEdge);
    }
  }

  /** The partition closes: no further wall-clock firing (one in progress finishes with the task). */
  stop(): void {
    this.stopped = true;
    for (const cancel of this.cancels.splice(0)) cancel();
  }

  /**
   * The stream time at which a stream-time timer may fall due: -Infinity until the first
   * record sets the boundaries, +Infinity without stream-time timers (the task's per-record
   * check then never calls in).
   */
  streamDue: number;

  /**
   * A record moved stream time to `timestamp` ≥ `streamDue` (inside its batch): the timers due
   * fire in the batch, so (exactly-once) their effects commit in the batch's transaction.
   */
  async streamAdvanced(timestamp: number): Promise<void> {
    this.streamTime = Math.max(this.streamTime, timestamp);
    for (const t of this.streamTimers) {
      // Stream time is not kept across restarts: the first record after a start sets the first
      // boundary instead of firing for every boundary since the epoch.
      if (Number.isNaN(t.next)) t.next = firstBoundaryAfter(timestamp, t.edge.every);
      if (timestamp < t.next) continue;
      // A jump over several boundaries fires once, for the latest one (Kafka Streams does the same).
      const boundary = firstBoundaryAfter(timestamp, t.edge.every) - t.edge.every;
      t.next = boundary + t.edge.every;
      await this.fire(t.edge, boundary);
    }
    this.streamDue = Math.min(...this.streamTimers.map((t) => t.next));
  }

  /** A declared visitor over this partition's keys, queued in the partition's order. */
  visit(edge: VisitorEdge, meta: unknown): Promise<PartitionVisit> {
    return this.host.enqueue(async () => {
      if (!this.host.running()) return { partition: this.host.partition, visited: 0, interrupted: true };
      const time = this.host.runtime.clock.now();
      const started = performance.now();
      const outcome = await this.visitKeys(edge.name, (ctx) => edge.callback(ctx, meta), time);
      await this.settle();
      // The visit's name is what tells visits apart in the logs (as Goka's visit name does).
      this.host.runtime.logger.debug(
        {
          visit: edge.name,
          partition: this.host.partition,
          ...outcome,
          ms: Math.round(performance.now() - started),
        },
        'visit done',
      );
      return { partition: this.host.partition, ...outcome };
    });
  }

  private scheduleWall(edge: TimerEdge): void {
    if (this.stopped) return;
    const clock = this.host.runtime.clock;
    const at = firstBoundaryAfter(clock.now(), edge.every);
    const cancel = clock.schedule(at, () => {
      const i = this.cancels.indexOf(cancel);
      if (i >= 0) this.cancels.splice(i, 1);
      if (this.stopped) return undefined;
      // The next firing is scheduled once this one ran: a slow callback skips boundaries
      // instead of piling firings up behind the partition's messages.
      return this.host
        .enqueue(async () => {
          if (!this.host.running()) return;
          await this.fire(edge, at);
          await this.settle();
        })
        .catch(() => undefined)
        .then(() => this.scheduleWall(edge));
    });
    this.cancels.push(cancel);
  }

  /**
   * Runs a timer's callback. A stream-time timer runs inside the batch being processed: its
   * effects join that batch's (exactly-once: its transaction); a wall-clock one is settled by
   * its caller.
   */
  private async fire(edge: TimerEdge, time: number): Promise<void> {
    if (!this.host.running()) return;
    const { runtime, partition } = this.host;
    this.fired++;
    // A context of no key: it carries the timer's emits and loopbacks, never a table write.
    const unkeyed = this.context(`timer:${edge.name}`, '', time, undefined);
    const ctx: TimerContext = {
      group: runtime.group.name,
      timer: edge.name,
      partition,
      clock: edge.clock,
      time,
      streamTime: this.streamTime,
      visit: async (callback) => (await this.visitKeys(edge.name, callback, time)).visited,
      get: (key) => this.host.reads.value(this.host.table(), key),
      // The unkeyed context checks the output and encodes, as a message's emit does.
      emit: unkeyed.emit.bind(unkeyed) as TimerContext['emit'],
      loopback: (key, value) => unkeyed.loopback(key, value),
    };
    try {
      await edge.callback(ctx);
    } catch (error) {
      this.failed(`timer "${edge.name}"`, undefined, error);
      return;
    }
    this.apply('', unkeyed);
  }

  /**
   * Runs `callback` over every key of the partition's table, from the store in key order (a
   * chunk at a time, so keys written meanwhile neither stall nor confuse the walk), each with
   * the key's current value including writes not yet in the store.
   */
  private async visitKeys(
    source: string,
    callback: (ctx: Context) => void | Promise<void>,
    time: number,
  ): Promise<{ visited: number; interrupted: boolean }> {
    const { runtime, reads } = this.host;
    const table = this.host.table();
    const store = this.host.store();
    if (!table || !store) return { visited: 0, interrupted: false };
    // Every write before the visit must be in the store, or a key written only in the overlay
    // (or, exactly-once, in the open transaction) would be missed.
    await this.settle();
    await table.flush();
    let visited = 0;
    let after: string | undefined;
    for (;;) {
      const keys: string[] = [];
      for await (const [key] of store.iterate({
        ...(after === undefined ? {} : { gt: after }),
        limit: VISIT_CHUNK,
      })) {
        keys.push(key);
      }
      if (keys.length === 0) return { visited, interrupted: false };
      after = keys[keys.length - 1];
      for (const key of keys) {
        if (!this.host.running()) return { visited, interrupted: true };
        if (!runtime.exactlyOnce && runtime.lease.lapsed()) throw runtime.leaseLapsed();
        const current = await reads.value(table, key);
        // Deleted since the chunk was read (by this visit or a write still on its way).
        if (current === undefined) continue;
        const joined = reads.joins ? await reads.joined(key) : NO_JOINS;
        const ctx = this.context(source, key, time, current, joined);
        try {
          await callback(ctx);
        } catch (error) {
          this.failed(`visit "${source}"`, key, error);
          continue;
        }
        visited++;
        this.apply(key, ctx);
      }
      // Exactly-once: one transaction per chunk keeps a visit over a large table from growing
      // one transaction without bound; each chunk's writes are committed on their own.
      if (runtime.exactlyOnce) await this.settle();
    }
  }

  private context(
    source: string,
    key: string,
    time: number,
    current: unknown,
    joined: ReadonlyMap<string, unknown> = NO_JOINS,
  ): MessageContext {
    const { runtime, partition } = this.host;
    return new MessageContext(runtime.scope, key, source, partition, -1, time, NO_HEADERS, current, joined);
  }

  private apply(key: string, ctx: MessageContext): void {
    const tracker = new OffsetTracker();
    const done = new MessageDone(unfinished, '', tracker, tracker.begin(0));
    this.host.effects.apply(key, null, ctx.effects, done);
  }

  /**
   * At-least-once: waits until every effect sent so far is acknowledged. Exactly-once: commits
   * the open transaction (inside a batch too: what the batch consumed so far commits with it).
   */
  private async settle(): Promise<void> {
    if (!this.host.runtime.exactlyOnce) {
      await this.host.effects.settle();
      return;
    }
    try {
      await this.host.effects.endBatch();
    } catch (error) {
      if (error instanceof TransactionFailed) this.host.halt(error);
      throw error;
    }
  }

  /** A visit's or timer's callback threw: the group's error policy decides. */
  private failed(what: string, key: string | undefined, error: unknown): void {
    const { runtime } = this.host;
    const cause = error instanceof CallbackFailure ? error.cause : error;
    const message = cause instanceof Error ? cause.message : String(cause);
    const where = `${what} on partition ${this.host.partition}${key === undefined ? '' : `, key "${key}"`}`;
    if (runtime.policy === 'dead-letter') {
      // No record to dead-letter: the key's effects are dropped and the visit goes on.
      runtime.logger.warn({ err: cause, partition: this.host.partition, key }, `${what} failed; skipped`);
      return;
    }
    const failure = new Error(`group "${runtime.group.name}": ${where} failed: ${message}`, { cause });
    this.host.halt(failure);
    throw failure;
  }
}
