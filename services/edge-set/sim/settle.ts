import type { Edge, Interaction } from '@showcase/contracts';
import { sleep } from '@showcase/simkit';
import { type GraphReader, observeGraph } from './observe.ts';
import { batchOracle, type Comparison, compare, type Observed } from './oracle.ts';

/** The edges and matches without times: the service stamps `at`, the simulator cannot know it. */
export function timeless(o: Observed): Observed {
  const edges = new Map<string, Edge>();
  for (const [k, e] of o.edges) edges.set(k, { ...e, first: '', last: '' });
  const matches = new Map<string, string>();
  for (const k of o.matches.keys()) matches.set(k, '');
  return { edges, matches };
}

/**
 * Edge-set's quality measure, shared by its own simulator and the platform simulator: reads
 * every list of the users involved in `accepted` through `reader` until they equal the batch
 * fold over `accepted` (edges with their counts, and matches; times left out), or `deadlineMs`
 * passed; returns the last comparison.
 */
export async function settleOnOracle(
  accepted: readonly Interaction[],
  reader: GraphReader,
  deadlineMs = 120_000,
): Promise<Comparison> {
  const oracle = batchOracle(accepted);
  const ids = new Set(accepted.flatMap((e) => [e.from, e.to]));
  const settleStart = performance.now();
  let comparison = compare(timeless(oracle), timeless(await observeGraph(ids, reader)));
  while (comparison.differences.length > 0 && performance.now() - settleStart < deadlineMs) {
    await sleep(500);
    comparison = compare(timeless(oracle), timeless(await observeGraph(ids, reader)));
  }
  return comparison;
}
