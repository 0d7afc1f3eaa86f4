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
function without(list: readonly string[] | undefined, user: string): readonly string[] {
  if (!list) return [];
  const at = list.indexOf(user);
  if (at < 0) return list;
  const out = list.slice(0, at);
  for (let i = at + 1; i < list.length; i++) out.push(list[i]!);
  return out;
}

/** `user` appended (moved to the end if present), the oldest dropped beyond `cap`: one copy. */
function remember(list: readonly string[] | undefined, user: string, cap: number): readonly string[] {
  const out: string[] = [];
  if (list) {
    const present = list.includes(user) ? 1 : 0;
    let drop = Math.max(0, list.length - present + 1 - cap);
    for (let i = 0; i < list.length; i++) {
      const x = list[i]!;
      if (x === user) continue;
      if (drop > 0) drop--;
      else out.push(x);
    }
  }
  out.push(user);
  return out;
}

/** The like list (liked or likedBy) after a decision about `other`. */
export function likeListAfter(
  list: readonly string[] | undefined,
  other: string,
  decision: Decision,
  cap: number,
): readonly string[] {
  return decision === 'like' ? remember(list, other, cap) : without(list, other);
}

/** The pass list (passed or passedBy) after a decision about `other`. */
export function passListAfter(
  list: readonly string[] | undefined,
  other: string,
  decision: Decision,
  cap: number,
): readonly string[] {
  if (decision === 'pass') return remember(list, other, cap);
  return decision === 'like' ? without(list, other) : (list ?? []);
}

/**
 * The lists of one side after a decision: `out` at the actor, `in` at the target (the learner
 * uses likeListAfter / passListAfter directly, to build the row in one literal).
 */
export function decide(
  n: Neighbours,
  side: 'out' | 'in',
  other: string,
  decision: Decision,
  cap: number,
): Neighbours {
  if (cap <= 0) return n;
  if (side === 'out')
    return {
      liked: likeListAfter(n.liked, other, decision, cap),
      passed: passListAfter(n.passed, other, decision, cap),
    };
  return {
    likedBy: likeListAfter(n.likedBy, other, decision, cap),
    passedBy: passListAfter(n.passedBy, other, decision, cap),
  };
}

export function decisionOf(type: string): Decision | undefined {
  if (type === 'like') return 'like';
  if (type === 'pass' || type === 'block') return 'pass';
  if (type === 'unlike') return 'unlike';
  return undefined;
}

/** A loop message's list of ids is trusted only when it is one (from our own loop topic). */
export const isDecision = (d: unknown): d is Decision => d === 'like' || d === 'pass' || d === 'unlike';
