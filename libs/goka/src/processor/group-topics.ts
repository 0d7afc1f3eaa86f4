import type { Cluster } from '../cluster/cluster.ts';
import type { Codec } from '../codec.ts';
import { resolvePartitions } from '../emitter.ts';
import type { Group } from '../group.ts';
import type { ErrorPolicy } from './runtime.ts';

export interface GroupTopics {
  /** Partitions of every input (and so of the table, the loop topic, joined tables). */
  readonly partitions: number;
  /** Each output topic's codec and partition count. */
  readonly outputs: Map<string, { codec: Codec<unknown>; partitions: number }>;
}

/** A topic a group owns, before its partition count is known. */
export interface OwnTopic {
  readonly name: string;
  readonly compacted?: boolean;
}

/**
 * A group's own topics: its table when it persists, its loop topic when it loops back, its
 * dead-letter topic when failed records go there. The one list of them — the processor creates
 * them before it joins, and a service derives the topics it provisions from it.
 */
export function groupOwnTopics(g: Group<unknown, unknown>, deadLetter: boolean): OwnTopic[] {
  return [
    ...(g.persist ? [{ name: g.table, compacted: true }] : []),
    ...(g.loopback ? [{ name: g.loopTopic }] : []),
    ...(deadLetter ? [{ name: g.deadLetterTopic }] : []),
  ];
}

/**
 * The topics a group reads and writes, checked before it joins: its inputs exist (or are created
 * where the cluster allows it) and are co-partitioned; its own table, loop and dead-letter topics
 * exist with the same partition count; joined tables are co-partitioned; outputs exist.
 */
export async function prepareGroupTopics(
  cluster: Cluster,
  g: Group<unknown, unknown>,
  policy: ErrorPolicy,
): Promise<GroupTopics> {
  const fail = (message: string) => new Error(`group "${g.name}": ${message}`);
  const inputs = g.inputs.map((i) => i.topic);
  const counts = await Promise.all(inputs.map((t) => cluster.partitionCount(t)));
  const known = counts.filter((c): c is number => c !== undefined);
  if (known.length < inputs.length) {
    const missing = inputs.filter((_, i) => counts[i] === undefined);
    if (!cluster.autoCreateTopics)
      throw fail(`input topic(s) ${missing.map((t) => `"${t}"`).join(', ')} do not exist`);
    const n = known[0] ?? cluster.defaultPartitions;
    await cluster.ensureTopics(missing.map((name) => ({ name, partitions: n })));
    for (const [i, t] of inputs.entries()) if (counts[i] === undefined && missing.includes(t)) counts[i] = n;
  }
  const n = counts[0]!;
  if (counts.some((c) => c !== n)) {
    throw fail(
      `inputs are not co-partitioned: ${inputs.map((t, i) => `"${t}" has ${counts[i]}`).join(', ')}`,
    );
  }
  const own = groupOwnTopics(g, policy === 'dead-letter').map((t) => ({ ...t, partitions: n }));
  try {
    await cluster.ensureTopics(own);
  } catch (error) {
    throw fail(`its own topics do not fit its ${n} input partitions: ${(error as Error).message}`);
  }
  for (const j of g.joins) {
    const count = await cluster.partitionCount(j.table);
    if (count === undefined) {
      if (!cluster.autoCreateTopics) throw fail(`joined table "${j.table}" does not exist`);
      await cluster.ensureTopics([{ name: j.table, partitions: n, compacted: true }]);
    } else if (count !== n) {
      throw fail(`joined table "${j.table}" has ${count} partitions, its inputs ${n}: not co-partitioned`);
    }
  }
  const outputs = new Map<string, { codec: Codec<unknown>; partitions: number }>();
  for (const out of g.outputs) {
    try {
      outputs.set(out.topic, { codec: out.codec, partitions: await resolvePartitions(cluster, out.topic) });
    } catch (error) {
      throw fail(`output: ${(error as Error).message}`);
    }
  }
  return { partitions: n, outputs };
}
