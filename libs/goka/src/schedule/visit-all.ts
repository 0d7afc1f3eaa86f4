import type { Group } from '../group.ts';
import type { PartitionTask } from '../processor/partition-task.ts';
import type { VisitorEdge } from './edges.ts';
import type { PartitionVisit } from './partition-jobs.ts';

/** What `visitAll` did on this instance. */
export interface VisitResult {
  readonly visit: string;
  /** Keys visited over all partitions. */
  readonly visited: number;
  readonly partitions: readonly PartitionVisit[];
}

/**
 * Goka's `VisitAll`: runs a declared visitor over every key of every partition this instance
 * owns now, each partition in its own order (the visit waits behind the batches already handed
 * to it). A partition revoked or stopped meanwhile is reported `interrupted`; its next owner
 * does not resume the visit (run it again).
 */
export async function visitAll(
  group: Group<unknown, unknown>,
  owned: readonly PartitionTask[],
  visit: string | VisitorEdge<never, never, never>,
  meta: unknown,
): Promise<VisitResult> {
  const name = typeof visit === 'string' ? visit : visit.name;
  const edge = group.visitors.find((v) => v.name === name);
  if (!edge) throw new Error(`group "${group.name}": no visitor "${name}" is declared`);
  const partitions = await Promise.all(owned.map((task) => task.jobs.visit(edge, meta)));
  partitions.sort((a, b) => a.partition - b.partition);
  return { visit: name, visited: partitions.reduce((n, p) => n + p.visited, 0), partitions };
}
