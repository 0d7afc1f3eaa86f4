import { json } from '@showcase/goka';
import { defineTopic } from './topic.ts';

/** What one user (the actor) did to another. */
export const interactionTypes = ['like', 'pass', 'visit', 'message', 'block', 'unlike', 'unblock'] as const;
export type InteractionType = (typeof interactionTypes)[number];

/** Edge types that can exist between an ordered pair (`unlike`/`unblock` only remove edges). */
export const edgeTypes = ['like', 'pass', 'visit', 'message', 'block'] as const;
export type EdgeType = (typeof edgeTypes)[number];

/** One accepted interaction, as `POST /interactions` wrote it. */
export interface Interaction {
  /** Event id: idempotency key and the id the API answered with. */
  readonly id: string;
  /** The actor (also the record key). */
  readonly from: string;
  readonly to: string;
  readonly type: InteractionType;
  /** When the API accepted it, ms since epoch. */
  readonly at: number;
}

/**
 * Every accepted interaction, keyed by the actor so that one actor's interactions stay in the
 * order they were accepted. edge-set folds it into edges and matches; recommender learns from it;
 * segmentation counts it.
 */
export const interactions = defineTopic<Interaction>({
  name: 'edge-set-interactions',
  key: 'actor user id (Interaction.from)',
  event: 'Interaction',
  codec: json<Interaction>(),
  kind: 'stream',
  owner: 'edge-set',
  description: 'like / pass / visit / message / block / unlike / unblock, as accepted by POST /interactions',
});

/** The edge of one type from one user to another (docs/contracts.md, edge-set). */
export interface Edge {
  /** The other side. */
  readonly user: string;
  readonly type: EdgeType;
  /** Interactions of this type since the edge was (re)created. */
  readonly count: number;
  /** ISO times of the first and the last of them. */
  readonly first: string;
  readonly last: string;
}

/**
 * Everything between an ordered pair (user, other), stored at key `pairKey(user, other)`:
 * the edges user → other (`out`), the edges other → user (`in`), and the match if there is one.
 * One row per pair keeps one interaction's cost O(1) whatever a user's degree; a user's edges
 * are a prefix range (`pairRange(user)`) of the table, ordered by the other user's id.
 */
export interface PairState {
  readonly user: string;
  readonly other: string;
  /** Edges user → other, at most one per type; `Edge.user` = other. */
  readonly out: readonly Edge[];
  /** Edges other → user, at most one per type; `Edge.user` = other. */
  readonly in: readonly Edge[];
  /** ISO time the current match began; absent when there is no match. */
  readonly matchSince?: string;
}

export const edgePairTable = defineTopic<PairState>({
  name: 'edge-set-pairs-table',
  key: 'pairKey(user, other) = `${user}|${other}`',
  event: 'PairState',
  codec: json<PairState>(),
  kind: 'table',
  owner: 'edge-set',
  description:
    'Edges in both directions and the match of one ordered pair; match-search and recommender read blocks, likes, passes and matches from it',
});

/** Separates the two user ids of a pair key; not allowed in user ids (^[A-Za-z0-9._@-]{1,64}$). */
export const PAIR_SEPARATOR = '|';

export function pairKey(user: string, other: string): string {
  return `${user}${PAIR_SEPARATOR}${other}`;
}

export function parsePairKey(key: string): { user: string; other: string } {
  const at = key.indexOf(PAIR_SEPARATOR);
  if (at <= 0 || at === key.length - 1) throw new TypeError(`not a pair key: ${JSON.stringify(key)}`);
  return { user: key.slice(0, at), other: key.slice(at + 1) };
}

/**
 * The key range holding every pair of `user`, ordered by the other user's id; pass `after`
 * (an other-user id, e.g. a page cursor) to start behind it.
 */
export function pairRange(user: string, after?: string): { gt?: string; gte?: string; lt: string } {
  // '}' is the character after '|': every key `${user}|…` sorts below `${user}}`.
  const lt = `${user}}`;
  return after === undefined ? { gte: pairKey(user, ''), lt } : { gt: pairKey(user, after), lt };
}

/** True when `pair` holds an edge of `type` in direction `direction`. */
export function hasEdge(pair: PairState | undefined, direction: 'out' | 'in', type: EdgeType): boolean {
  return pair?.[direction].some((edge) => edge.type === type) ?? false;
}

/** Match-event stream: one `new-match` per user and match, `match-ended` when it breaks. */
export interface MatchEvent {
  readonly id: string;
  readonly type: 'new-match' | 'match-ended';
  /** The user the event is for (also the record key). */
  readonly user: string;
  readonly other: string;
  /** ISO time. */
  readonly at: string;
}

export const matchEvents = defineTopic<MatchEvent>({
  name: 'edge-set-match-events',
  key: 'user id the event is for (MatchEvent.user)',
  event: 'MatchEvent',
  codec: json<MatchEvent>(),
  kind: 'stream',
  owner: 'edge-set',
  description: 'new-match / match-ended, one event per user and match change',
});
