import type { Codec } from './codec.ts';
import {
  type InputEdge,
  type JoinEdge,
  type LookupEdge,
  type LoopbackEdge,
  type OutputEdge,
  type PersistEdge,
  requireName,
} from './edges.ts';
import type { TimerEdge, VisitorEdge } from './schedule/edges.ts';

/** Every kind of edge a group is declared with (the timers' and visitors' live in schedule/). */
export type Edge<V, L> =
  | InputEdge<unknown, V, L>
  | LoopbackEdge<L, V>
  | PersistEdge<V>
  | JoinEdge<unknown>
  | LookupEdge<unknown>
  | OutputEdge<unknown>
  | VisitorEdge<unknown, V, L>
  | TimerEdge<V, L>;

/** Topic names derived from a group name; the same convention as Goka. */
export const tableTopic = (group: string): string => `${group}-table`;
export const loopTopic = (group: string): string => `${group}-loop`;
export const deadLetterTopic = (group: string): string => `${group}-dlq`;

/**
 * A validated group graph. `V` is the type of the group table's values, `L` the loopback's.
 */
export interface Group<V = unknown, L = unknown> {
  readonly name: string;
  /** The group table's topic (`<group>-table`); exists only when the group persists. */
  readonly table: string;
  readonly loopTopic: string;
  readonly deadLetterTopic: string;
  readonly inputs: readonly InputEdge<unknown, V, L>[];
  readonly loopback: LoopbackEdge<L, V> | undefined;
  readonly persist: PersistEdge<V> | undefined;
  readonly joins: readonly JoinEdge<unknown>[];
  readonly lookups: readonly LookupEdge<unknown>[];
  readonly outputs: readonly OutputEdge<unknown>[];
  /** Named visits over the table (`processor.visitAll(name, meta)`). */
  readonly visitors: readonly VisitorEdge<unknown, V, L>[];
  /** Per-partition schedules (wall clock or stream time). */
  readonly timers: readonly TimerEdge<V, L>[];
  /** Codec of any topic this group reads or writes, for tools such as the tester. */
  codecFor(topic: string): Codec<unknown> | undefined;
}

export class GroupDefinitionError extends Error {
  constructor(group: string, message: string) {
    super(`group "${group}": ${message}`);
    this.name = 'GroupDefinitionError';
  }
}

export function defineGroup<V = unknown, L = unknown>(name: string, ...edges: Edge<V, L>[]): Group<V, L> {
  requireName('defineGroup', name);
  const fail = (message: string): never => {
    throw new GroupDefinitionError(name, message);
  };
  const inputs: InputEdge<unknown, V, L>[] = [];
  const joins: JoinEdge<unknown>[] = [];
  const lookups: LookupEdge<unknown>[] = [];
  const outputs: OutputEdge<unknown>[] = [];
  const visitors: VisitorEdge<unknown, V, L>[] = [];
  const timers: TimerEdge<V, L>[] = [];
  let loop: LoopbackEdge<L, V> | undefined;
  let table: PersistEdge<V> | undefined;

  for (const edge of edges) {
    switch (edge.kind) {
      case 'input':
        if (inputs.some((i) => i.topic === edge.topic)) fail(`input topic "${edge.topic}" is declared twice`);
        inputs.push(edge);
        break;
      case 'loopback':
        if (loop) fail('at most one loopback edge is allowed');
        loop = edge;
        break;
      case 'persist':
        if (table) fail('at most one persist edge is allowed');
        table = edge;
        break;
      case 'join':
        if (joins.some((j) => j.table === edge.table)) fail(`join on "${edge.table}" is declared twice`);
        joins.push(edge);
        break;
      case 'lookup':
        if (lookups.some((l) => l.table === edge.table)) fail(`lookup on "${edge.table}" is declared twice`);
        lookups.push(edge);
        break;
      case 'output':
        if (outputs.some((o) => o.topic === edge.topic))
          fail(`output topic "${edge.topic}" is declared twice`);
        outputs.push(edge);
        break;
      case 'visitor':
        if (visitors.some((v) => v.name === edge.name)) fail(`visitor "${edge.name}" is declared twice`);
        visitors.push(edge);
        break;
      case 'timer':
        if (timers.some((t) => t.name === edge.name)) fail(`timer "${edge.name}" is declared twice`);
        timers.push(edge);
        break;
      default:
        fail(`unknown edge ${JSON.stringify(edge)}`);
    }
  }
  if (inputs.length === 0) fail('a group needs at least one input edge');
  const own = { table: tableTopic(name), loop: loopTopic(name), dlq: deadLetterTopic(name) };
  for (const i of inputs) {
    if (i.topic === own.table)
      fail(`its own table "${own.table}" cannot be an input; use persist() and value()`);
    if (i.topic === own.loop) fail(`its own loop topic "${own.loop}" cannot be an input; use loopback()`);
  }
  for (const j of joins) {
    if (j.table === own.table) fail(`cannot join its own table "${own.table}"; use value()`);
  }
  // As in Goka: the group's own topics are written only through persist() and loopback(), which
  // keep the table and its store consistent and the loop partitioned by key.
  for (const l of lookups) {
    if (l.table === own.table) fail(`cannot look up its own table "${own.table}"; use value()`);
  }
  for (const out of outputs) {
    if (out.topic === own.table) fail(`cannot output to its own table "${own.table}"; use setValue()`);
    if (out.topic === own.loop) fail(`cannot output to its own loop topic "${own.loop}"; use loopback()`);
  }

  const codecs = new Map<string, Codec<unknown>>();
  for (const i of inputs) codecs.set(i.topic, i.codec);
  for (const j of joins) codecs.set(j.table, j.codec);
  for (const l of lookups) codecs.set(l.table, l.codec);
  for (const o of outputs) codecs.set(o.topic, o.codec);
  if (table) codecs.set(own.table, table.codec as Codec<unknown>);
  if (loop) codecs.set(own.loop, loop.codec as Codec<unknown>);

  return Object.freeze({
    name,
    table: own.table,
    loopTopic: own.loop,
    deadLetterTopic: own.dlq,
    inputs: Object.freeze(inputs),
    loopback: loop,
    persist: table,
    joins: Object.freeze(joins),
    lookups: Object.freeze(lookups),
    outputs: Object.freeze(outputs),
    visitors: Object.freeze(visitors),
    timers: Object.freeze(timers),
    codecFor: (topic: string) => codecs.get(topic),
  });
}
