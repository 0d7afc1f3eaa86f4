import type { Edge } from '@showcase/contracts';
import type { Observed } from './oracle.ts';

/** One page of a list, as the API serves it (or the list functions behind it). */
export interface EdgePage {
  readonly edges: readonly Edge[];
  readonly next?: string;
}
export interface MatchPage {
  readonly matches: readonly { readonly user: string; readonly since: string }[];
  readonly next?: string;
}

export interface GraphReader {
  edges(user: string, direction: 'out' | 'in', cursor: string | undefined): Promise<EdgePage>;
  matches(user: string, cursor: string | undefined): Promise<MatchPage>;
}

/**
 * Reads every list of every user page by page into the oracle's shape. In-edges are checked
 * against the out-edges they mirror: a disagreement shows up as an extra `…|in` (or
 * `…|in-missing`) key, so the comparison with the oracle reports it.
 */
export async function observeGraph(users: Iterable<string>, reader: GraphReader): Promise<Observed> {
  const edges = new Map<string, Edge>();
  const inEdges = new Map<string, Edge>();
  const matches = new Map<string, string>();
  for (const user of users) {
    for (const direction of ['out', 'in'] as const) {
      let cursor: string | undefined;
      do {
        const page = await reader.edges(user, direction, cursor);
        for (const e of page.edges) {
          if (direction === 'out') edges.set(`${user}|${e.user}|${e.type}`, e);
          else inEdges.set(`${e.user}|${user}|${e.type}`, { ...e, user });
        }
        cursor = page.next;
      } while (cursor !== undefined);
    }
    let cursor: string | undefined;
    do {
      const page = await reader.matches(user, cursor);
      for (const m of page.matches) matches.set(`${user}|${m.user}`, m.since);
      cursor = page.next;
    } while (cursor !== undefined);
  }
  for (const [key, edge] of inEdges) {
    if (JSON.stringify(edges.get(key)) !== JSON.stringify(edge)) edges.set(`${key}|in`, edge);
  }
  for (const [key, edge] of [...edges]) {
    if (!key.endsWith('|in') && !inEdges.has(key)) edges.set(`${key}|in-missing`, edge);
  }
  return { edges, matches };
}
