import type { Edge, EdgeType, Interaction } from '@showcase/contracts';

/**
 * The batch computation docs/contracts.md measures edge-set against: given every accepted interaction
 * (each actor's in the order they were accepted; duplicates of an event id count once), the
 * edges of every ordered pair and the current matches. Written independently of the
 * processors' incremental fold (no shared code), as a plain replay per pair.
 */
export interface OracleResult {
  /** `${from}|${to}|${type}` → edge from → to. */
  readonly edges: Map<string, Edge>;
  /** `${user}|${other}` → since (ISO), both orientations. */
  readonly matches: Map<string, string>;
}

interface Tally {
  count: number;
  first: number;
  last: number;
}

export function batchOracle(accepted: Iterable<Interaction>): OracleResult {
  const seen = new Set<string>();
  // Per ordered pair: the live edges by type, and the time of the last unblock that lifted a block.
  const pairs = new Map<
    string,
    { from: string; to: string; live: Map<EdgeType, Tally>; unblockedAt: number }
  >();
  for (const e of accepted) {
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    const key = `${e.from}|${e.to}`;
    let pair = pairs.get(key);
    if (!pair) {
      pair = { from: e.from, to: e.to, live: new Map(), unblockedAt: 0 };
      pairs.set(key, pair);
    }
    const grow = (type: EdgeType) => {
      const t = pair!.live.get(type);
      if (t) {
        t.count += 1;
        t.last = e.at;
      } else pair!.live.set(type, { count: 1, first: e.at, last: e.at });
    };
    if (e.type === 'like') {
      pair.live.delete('pass');
      grow('like');
    } else if (e.type === 'pass') {
      pair.live.delete('like');
      grow('pass');
    } else if (e.type === 'unlike') {
      pair.live.delete('like');
    } else if (e.type === 'unblock') {
      if (pair.live.delete('block')) pair.unblockedAt = e.at;
    } else {
      grow(e.type);
    }
  }
  const edges = new Map<string, Edge>();
  for (const pair of pairs.values()) {
    for (const [type, t] of pair.live) {
      edges.set(`${pair.from}|${pair.to}|${type}`, {
        user: pair.to,
        type,
        count: t.count,
        first: new Date(t.first).toISOString(),
        last: new Date(t.last).toISOString(),
      });
    }
  }
  const matches = new Map<string, string>();
  for (const ab of pairs.values()) {
    const ba = pairs.get(`${ab.to}|${ab.from}`);
    if (!ba) continue;
    const likeAB = ab.live.get('like');
    const likeBA = ba.live.get('like');
    if (!likeAB || !likeBA || ab.live.has('block') || ba.live.has('block')) continue;
    const since = Math.max(likeAB.first, likeBA.first, ab.unblockedAt, ba.unblockedAt);
    matches.set(`${ab.from}|${ab.to}`, new Date(since).toISOString());
  }
  return { edges, matches };
}

/** What a service answered, in the oracle's shape, for a comparison. */
export interface Observed {
  readonly edges: Map<string, Edge>;
  readonly matches: Map<string, string>;
}

export interface Comparison {
  readonly expectedEdges: number;
  readonly observedEdges: number;
  readonly expectedMatches: number;
  readonly observedMatches: number;
  /** Human-readable differences, at most `max`. */
  readonly differences: string[];
}

export function compare(expected: OracleResult, observed: Observed, max = 20): Comparison {
  const differences: string[] = [];
  const diff = <T>(what: string, a: Map<string, T>, b: Map<string, T>) => {
    for (const [k, v] of a) {
      const o = b.get(k);
      if (JSON.stringify(o) !== JSON.stringify(v)) {
        differences.push(`${what} ${k}: expected ${JSON.stringify(v)}, got ${JSON.stringify(o)}`);
      }
    }
    for (const k of b.keys())
      if (!a.has(k)) differences.push(`${what} ${k}: unexpected ${JSON.stringify(b.get(k))}`);
  };
  diff('edge', expected.edges, observed.edges);
  diff('match', expected.matches, observed.matches);
  return {
    expectedEdges: expected.edges.size,
    observedEdges: observed.edges.size,
    expectedMatches: expected.matches.size,
    observedMatches: observed.matches.size,
    differences: differences.slice(0, max),
  };
}
