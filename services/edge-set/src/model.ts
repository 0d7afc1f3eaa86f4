import type { Edge, EdgeType, Interaction, PairState } from '@showcase/contracts';

/**
 * A row of the pairs table. Other services decode it as the contract's `PairState`; the extra
 * fields are edge-set's own bookkeeping (JSON readers ignore them).
 */
export interface PairRow extends PairState {
  /**
   * Ids of the last interactions applied to this row (both directions), newest last, at most
   * `DEDUP_WINDOW`: a record delivered twice (an emitter retry writes it again) is recognised
   * while it is among them. Bounded, so a hub's rows stay small.
   */
  readonly seen: readonly string[];
  /** ms of the last unblock that removed a block edge user → other / other → user. */
  readonly outUnblockedAt?: number;
  readonly inUnblockedAt?: number;
}

/** Ids remembered per pair row for de-duplication. */
export const DEDUP_WINDOW = 32;

/**
 * Messages on the pairs group's loop topic. `out`: the actor's interaction, re-keyed from the
 * actor to `pairKey(from, to)`; `in`: the same interaction mirrored to `pairKey(to, from)`.
 */
export interface PairCommand {
  readonly direction: 'out' | 'in';
  readonly event: Interaction;
}

export type NotificationType = 'liked-you' | 'visited-you' | 'messaged-you' | 'new-match' | 'match-ended';

/** What `/ws/notifications` pushes to the user it is for. */
export interface Notification {
  readonly type: NotificationType;
  /** The other user. */
  readonly user: string;
  /** ISO time. */
  readonly at: string;
}

/** Per user: the latest notification (the WebSocket pushes each change of this row). */
export interface NotificationRow {
  readonly seq: number;
  readonly last: Notification;
}

/** A row of the list index: one edge of a user in one direction and type, or one match. */
export type IndexEntry =
  | { readonly kind: 'edge'; readonly edge: Edge }
  | { readonly kind: 'match'; readonly user: string; readonly since: string };

/** Upsert (`entry`) or removal (`entry: null`) of an index row; key = the index key. */
export interface IndexUpdate {
  readonly entry: IndexEntry | null;
}

export type Direction = 'out' | 'in';
export type IndexSection = { readonly direction: Direction; readonly type: EdgeType } | 'match';
