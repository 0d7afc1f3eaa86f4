import type { Group } from '@showcase/goka';

/**
 * The shape of a service's stream graph, derived from its group definitions (never written by
 * hand): what each group reads, joins, looks up, loops back to, emits and persists. Topic names
 * only — codecs and callbacks stay inside the process.
 */
export interface GroupTopology {
  readonly group: string;
  readonly inputs: readonly string[];
  readonly joins: readonly string[];
  readonly lookups: readonly string[];
  /** `<group>-loop` when the group has a loopback edge. */
  readonly loopback: string | null;
  readonly outputs: readonly string[];
  /** `<group>-table` when the group persists. */
  readonly table: string | null;
  /** Where undeliverable records go under the dead-letter policy. */
  readonly deadLetters: string;
}

export interface Topology {
  readonly service: string;
  readonly groups: readonly GroupTopology[];
  /** Tables the service keeps a view of (served by `/admin/tables/:table`). */
  readonly views: readonly string[];
}

export function describeGroup(group: Group<unknown, unknown>): GroupTopology {
  return {
    group: group.name,
    inputs: group.inputs.map((i) => i.topic),
    joins: group.joins.map((j) => j.table),
    lookups: group.lookups.map((l) => l.table),
    loopback: group.loopback ? group.loopTopic : null,
    outputs: group.outputs.map((o) => o.topic),
    table: group.persist ? group.table : null,
    deadLetters: group.deadLetterTopic,
  };
}

export function describeTopology(
  service: string,
  groups: readonly Group<unknown, unknown>[],
  views: readonly string[],
): Topology {
  return {
    service,
    groups: groups.map(describeGroup).sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0)),
    views: [...new Set(views)].sort(),
  };
}
