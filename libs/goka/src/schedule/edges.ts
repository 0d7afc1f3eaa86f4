import type { Headers } from '../cluster/cluster.ts';
import type { Context, OutputEdge } from '../edges.ts';
import { requireName } from '../edges.ts';

/**
 * A named visit over every key of the group table (Goka's `Visitor` edge). `processor.visitAll`
 * (or `tester.visit`) runs it on the partitions the instance owns, queued with each partition's
 * messages: it never interleaves with a callback, and its writes and emits go where a message's
 * would (exactly-once: into the partition's transaction). The context's `topic` is the visit's
 * name and `offset` is -1: there is no input record behind a visit.
 */
export interface VisitorEdge<M = unknown, V = unknown, L = unknown> {
  readonly kind: 'visitor';
  readonly name: string;
  callback(ctx: Context<V, L>, meta: M): void | Promise<void>;
}

export function visitor<M = undefined, V = unknown, L = unknown>(
  name: string,
  callback: (ctx: Context<V, L>, meta: M) => void | Promise<void>,
): VisitorEdge<M, V, L> {
  requireName('visitor', name);
  return { kind: 'visitor', name, callback };
}

/**
 * `wall`: real time (the processor's clock; the tester's is advanced by hand).
 * `stream`: the largest record timestamp the partition has processed — it advances only when
 * records arrive, as Kafka Streams' STREAM_TIME punctuation does.
 */
export type TimerClock = 'wall' | 'stream';

export interface TimerSchedule {
  /** Interval in ms; the timer fires at each multiple of it (epoch-aligned, so every instance agrees). */
  readonly every: number;
  readonly clock: TimerClock;
}

/** What a timer's callback may do on the partition it fires for. */
export interface TimerContext<V = unknown, L = unknown> {
  readonly group: string;
  readonly timer: string;
  readonly partition: number;
  readonly clock: TimerClock;
  /** The boundary that fired (a multiple of `every`), ms since epoch. */
  readonly time: number;
  /** The partition's stream time when it fired (-Infinity before its first record). */
  readonly streamTime: number;
  /**
   * Runs `callback` over every key of the partition's table, each with a context that may
   * read, set or delete that key's row and emit. Resolves with the number of keys visited.
   */
  visit(callback: (ctx: Context<V, L>) => void | Promise<void>): Promise<number>;
  /** The table's value of a key of this partition. */
  get(key: string): Promise<V | undefined>;
  emit<T>(topic: OutputEdge<T>, key: string, value: T | null, options?: { headers?: Headers }): void;
  emit(topic: string, key: string, value: unknown, options?: { headers?: Headers }): void;
  loopback(key: string, value: L): void;
}

/** A per-partition schedule: fires on every partition the instance owns, only there. */
export interface TimerEdge<V = unknown, L = unknown> {
  readonly kind: 'timer';
  readonly name: string;
  readonly every: number;
  readonly clock: TimerClock;
  callback(ctx: TimerContext<V, L>): void | Promise<void>;
}

export function timer<V = unknown, L = unknown>(
  name: string,
  schedule: TimerSchedule,
  callback: (ctx: TimerContext<V, L>) => void | Promise<void>,
): TimerEdge<V, L> {
  requireName('timer', name);
  if (!Number.isSafeInteger(schedule.every) || schedule.every <= 0) {
    throw new TypeError(`timer("${name}"): every must be a positive integer of ms`);
  }
  if (schedule.clock !== 'wall' && schedule.clock !== 'stream') {
    throw new TypeError(`timer("${name}"): clock must be 'wall' or 'stream'`);
  }
  return { kind: 'timer', name, every: schedule.every, clock: schedule.clock, callback };
}
