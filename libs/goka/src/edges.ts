import type { Headers } from './cluster/cluster.ts';
import type { Codec } from './codec.ts';

/**
 * The edges of a group graph. Each is a plain, immutable description; `defineGroup` validates
 * them together and the processor turns them into consumers, producers and stores.
 *
 * Callbacks are declared with method syntax on purpose: it lets an edge over `Click` sit in the
 * same list as an edge over `Message`, while the callback itself stays precisely typed.
 */
export type Callback<M, V, L> = (ctx: Context<V, L>, message: M) => void | Promise<void>;

export interface InputEdge<M, V = unknown, L = unknown> {
  readonly kind: 'input';
  readonly topic: string;
  readonly codec: Codec<M>;
  callback(ctx: Context<V, L>, message: M): void | Promise<void>;
}

export interface LoopbackEdge<L, V = unknown> {
  readonly kind: 'loopback';
  readonly codec: Codec<L>;
  callback(ctx: Context<V, L>, message: L): void | Promise<void>;
}

export interface PersistEdge<V> {
  readonly kind: 'persist';
  readonly codec: Codec<V>;
}

/** A co-partitioned table read at the current key (same key, same partition). */
export interface JoinEdge<T> {
  readonly kind: 'join';
  readonly table: string;
  readonly codec: Codec<T>;
}

/** Any key of another table, served by a full view. */
export interface LookupEdge<T> {
  readonly kind: 'lookup';
  readonly table: string;
  readonly codec: Codec<T>;
}

export interface OutputEdge<T> {
  readonly kind: 'output';
  readonly topic: string;
  readonly codec: Codec<T>;
}

export function input<M, V = unknown, L = unknown>(
  topic: string,
  codec: Codec<M>,
  callback: Callback<M, V, L>,
): InputEdge<M, V, L> {
  requireName('input', topic);
  return { kind: 'input', topic, codec, callback };
}

export function loopback<L, V = unknown>(codec: Codec<L>, callback: Callback<L, V, L>): LoopbackEdge<L, V> {
  return { kind: 'loopback', codec, callback };
}

export function persist<V>(codec: Codec<V>): PersistEdge<V> {
  return { kind: 'persist', codec };
}

export function join<T>(table: string, codec: Codec<T>): JoinEdge<T> {
  requireName('join', table);
  return { kind: 'join', table, codec };
}

export function lookup<T>(table: string, codec: Codec<T>): LookupEdge<T> {
  requireName('lookup', table);
  return { kind: 'lookup', table, codec };
}

export function output<T>(topic: string, codec: Codec<T>): OutputEdge<T> {
  requireName('output', topic);
  return { kind: 'output', topic, codec };
}

// Kafka's own rule for topic names, so a bad name fails at definition time, not at the broker.
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export function requireName(edge: string, name: string): void {
  if (typeof name !== 'string' || !TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw new TypeError(`${edge}(): "${String(name)}" is not a valid topic name (letters, digits, . _ -)`);
  }
}

/**
 * What a callback sees of the message it processes, and the only way it has effects. Declared
 * with the edges: the callbacks get it and it names them (context.ts implements it).
 */
export interface Context<V = unknown, L = unknown> {
  readonly group: string;
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Record timestamp, ms since epoch. */
  readonly timestamp: number;
  readonly headers: Readonly<Headers>;
  /** The group table's value for the current key (undefined when absent). */
  value(): V | undefined;
  setValue(value: V): void;
  delete(): void;
  /** The co-partitioned table's value for the current key. */
  join<T>(table: JoinEdge<T>): T | undefined;
  join(table: string): unknown;
  /** Any key of a looked-up table, from the processor's view of it. */
  lookup<T>(table: LookupEdge<T>, key: string): Promise<T | undefined>;
  lookup(table: string, key: string): Promise<unknown>;
  /** Emits to a declared output; `null` is a tombstone. */
  emit<T>(topic: OutputEdge<T>, key: string, value: T | null, options?: { headers?: Headers }): void;
  emit(topic: string, key: string, value: unknown, options?: { headers?: Headers }): void;
  /** Sends a message to another key of this group (through `<group>-loop`). */
  loopback(key: string, value: L): void;
  /** Aborts the callback; the group's error policy decides what happens to the message. */
  fail(error: unknown): never;
}
