/**
 * The neighbourhood part of a learner row: who a user recently decided on and who recently
 * decided on it, as bounded lists of ids (oldest first). They are what the ranker's
 * neighbourhood signals walk (affinity.ts): users who liked the same people, people liked by
 * the same users. Bounded, so a hub's row costs no more to rewrite than anyone's, and the
 * signals follow recent taste.
 */
export interface Neighbours {
  /** Users this user liked (its current decision about them is a like). */
  readonly liked?: readonly string[];
  /** Users this user passed or blocked. */
  readonly passed?: readonly string[];
  /** Users who like this user. */
  readonly likedBy?: readonly string[];
  /** Users who passed or blocked this user. */
  readonly passedBy?: readonly string[];
}

/** What an interaction decides about the pair: edge-set's semantics of like/pass/unlike/block. */
export type Decision = 'like' | 'pass' | 'unlike';

/** Rows are immutable: a list without `user` is shared, not copied (the common case). */
const without = (list: readonly string[] | undefined, user: string): readonly string[] =>
  !list ? [] : list.includes(user) ? list.filter((x) => x !== user) : list;

/** `user` appended (moved to the end if present), the oldest dropped beyond `cap`. */
function remember(list: readonly string[] | undefined, user: string, cap: number): readonly string[] {
  const kept = list?.includes(user) ? list.filter((x) => x !== user) : (list ?? []);
  const from = Math.max(0, kept.length + 1 - cap);
  const next = kept.slice(from);
  next.push(user);
  return next;
}

/** A like list and a pass list after a decision about `other`. */
function lists(
  liked: readonly string[] | undefined,
  passed: readonly string[] | undefined,
  other: string,
  decision: Decision,
  cap: number,
): [readonly string[], readonly string[]] {
  switch (decision) {
    case 'like':
      return [remember(liked, other, cap), without(passed, other)];
    case 'pass':
      return [without(liked, other), remember(passed, other, cap)];
    case 'unlike':
      return [without(liked, other), passed ?? []];
  }
}

/**
 * The lists of one side after a decision: `out` at the actor, `in` at the target. Plain object
 * literals with fixed keys (computed keys made V8 keep the rows in dictionary mode: slower
 * spreads and JSON in the learner's hot path).
 */
export function decide(
  n: Neighbours,
  side: 'out' | 'in',
  other: string,
  decision: Decision,
  cap: number,
): Neighbours {
  if (cap <= 0) return n;
  if (side === 'out') {
    const [liked, passed] = lists(n.liked, n.passed, other, decision, cap);
    return { liked, passed };
  }
  const [likedBy, passedBy] = lists(n.likedBy, n.passedBy, other, decision, cap);
  return { likedBy, passedBy };
}

export function decisionOf(type: string): Decision | undefined {
  if (type === 'like') return 'like';
  if (type === 'pass' || type === 'block') return 'pass';
  if (type === 'unlike') return 'unlike';
  return undefined;
}

/** A loop message's list of ids is trusted only when it is one (from our own loop topic). */
export const isDecision = (d: unknown): d is Decision => d === 'like' || d === 'pass' || d === 'unlike';
