import { type EdgeType, PAIR_SEPARATOR } from '@showcase/contracts';
import type { Direction } from './model.ts';

/**
 * Keys of the list index. Every list the API serves is one key range, ordered by the other
 * user's id, that holds exactly the rows it lists — so a page reads O(limit) rows whatever the
 * user's degree (a hub with 100,000 in-likes lists its 3 out-visits by reading 3 rows).
 *
 *   `${user}|${direction}|${type}|${other}`  an edge of `user` (out or in) of one type
 *   `${user}|match|${other}`                 a current match of `user`
 *
 * User ids never contain '|' (nor '}', the character after it, which bounds the ranges).
 */
const SEP = PAIR_SEPARATOR;
const AFTER_SEP = '}';

export function edgeSectionPrefix(user: string, direction: Direction, type: EdgeType): string {
  return `${user}${SEP}${direction}${SEP}${type}${SEP}`;
}

export function matchSectionPrefix(user: string): string {
  return `${user}${SEP}match${SEP}`;
}

export function edgeIndexKey(user: string, direction: Direction, type: EdgeType, other: string): string {
  return edgeSectionPrefix(user, direction, type) + other;
}

export function matchIndexKey(user: string, other: string): string {
  return matchSectionPrefix(user) + other;
}

export interface SectionRange {
  readonly gt?: string;
  readonly gte?: string;
  readonly lt: string;
}

/**
 * The range of a section from its start, or strictly after `after` (`inclusive`: from `after`
 * on), as a page cursor needs it.
 */
export function sectionRange(prefix: string, after?: string, inclusive = false): SectionRange {
  const lt = prefix.slice(0, -1) + AFTER_SEP;
  if (after === undefined) return { gte: prefix, lt };
  return inclusive ? { gte: prefix + after, lt } : { gt: prefix + after, lt };
}

/** The other user's id of an index key with the given section prefix. */
export function otherOf(prefix: string, key: string): string {
  return key.slice(prefix.length);
}
