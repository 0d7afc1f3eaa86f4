import type { Edge, EdgeType, Interaction, InteractionType } from '@showcase/contracts';
import { edgeTypes } from '@showcase/contracts';
import { DEDUP_WINDOW, type Direction, type PairRow } from './model.ts';

/** Result of applying one interaction to the edges of one direction. */
export interface DirectionChange {
  readonly edges: readonly Edge[];
  /** True when the interaction removed a block edge (an unblock that lifted a block). */
  readonly unblocked: boolean;
}

const typeOrder = new Map<EdgeType, number>(edgeTypes.map((t, i) => [t, i]));

/** Edges are kept sorted by type so two rows holding the same facts are equal values. */
function sorted(edges: Edge[]): Edge[] {
  return edges.sort((a, b) => (typeOrder.get(a.type) ?? 0) - (typeOrder.get(b.type) ?? 0));
}

function bump(edges: readonly Edge[], other: string, type: EdgeType, at: string): Edge[] {
  const current = edges.find((e) => e.type === type);
  const rest = edges.filter((e) => e.type !== type);
  const next: Edge = current
    ? { ...current, count: current.count + 1, last: at }
    : { user: other, type, count: 1, first: at, last: at };
  return sorted([...rest, next]);
}

const without = (edges: readonly Edge[], type: EdgeType): Edge[] => edges.filter((e) => e.type !== type);

/**
 * docs/contracts.md's rules for one ordered pair: like and pass replace each other, unlike removes a
 * like, visit and message only grow, block creates (or counts) a block edge, unblock removes it.
 * `other` is the far side of the edges (Edge.user).
 */
export function applyInteraction(
  edges: readonly Edge[],
  other: string,
  type: InteractionType,
  atMs: number,
): DirectionChange {
  const at = new Date(atMs).toISOString();
  switch (type) {
    case 'like':
      return { edges: bump(without(edges, 'pass'), other, 'like', at), unblocked: false };
    case 'pass':
      return { edges: bump(without(edges, 'like'), other, 'pass', at), unblocked: false };
    case 'visit':
    case 'message':
    case 'block':
      return { edges: bump(edges, other, type, at), unblocked: false };
    case 'unlike':
      return { edges: without(edges, 'like'), unblocked: false };
    case 'unblock': {
      const had = edges.some((e) => e.type === 'block');
      return { edges: without(edges, 'block'), unblocked: had };
    }
  }
}

const has = (edges: readonly Edge[], type: EdgeType) => edges.some((e) => e.type === type);

/**
 * When the current match of the pair began, or undefined when the pair does not match.
 * Derived from event times only (the later of the two likes' first times and of the unblocks
 * that lifted a block), so both rows of a pair compute the same `since` from the same facts,
 * whatever order they saw them in.
 */
export function matchSince(
  row: Pick<PairRow, 'out' | 'in' | 'outUnblockedAt' | 'inUnblockedAt'>,
): string | undefined {
  const outLike = row.out.find((e) => e.type === 'like');
  const inLike = row.in.find((e) => e.type === 'like');
  if (!outLike || !inLike || has(row.out, 'block') || has(row.in, 'block')) return undefined;
  const since = Math.max(
    Date.parse(outLike.first),
    Date.parse(inLike.first),
    row.outUnblockedAt ?? 0,
    row.inUnblockedAt ?? 0,
  );
  return new Date(since).toISOString();
}

export function emptyRow(user: string, other: string): PairRow {
  return { user, other, out: [], in: [], seen: [] };
}

/**
 * Applies one interaction to a pair row in the given direction (`out`: row.user is the actor,
 * `in`: row.other is). Returns undefined for an interaction the row has already applied.
 */
export function applyToRow(row: PairRow, direction: Direction, event: Interaction): PairRow | undefined {
  if (row.seen.includes(event.id)) return undefined;
  const change = applyInteraction(row[direction], row.other, event.type, event.at);
  const seen = [...row.seen, event.id].slice(-DEDUP_WINDOW);
  const unblockedKey = direction === 'out' ? 'outUnblockedAt' : 'inUnblockedAt';
  const next: PairRow = {
    ...row,
    [direction]: change.edges,
    seen,
    ...(change.unblocked ? { [unblockedKey]: event.at } : {}),
  };
  const since = matchSince(next);
  const { matchSince: _previous, ...withoutMatch } = next;
  return since === undefined ? withoutMatch : { ...withoutMatch, matchSince: since };
}
