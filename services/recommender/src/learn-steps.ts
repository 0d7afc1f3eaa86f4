import type { Interaction } from '@showcase/contracts';
import {
  appealHalf,
  isFiniteVector,
  type LearnerConfig,
  type ModelRow,
  makeRow,
  tasteHalf,
} from './model.ts';
import { type Decision, decisionOf, isDecision, likeListAfter, passListAfter } from './neighbours.ts';
import { type SignalWeights, signalOf } from './signals.ts';

/**
 * The learner's three steps as pure functions of a row and a message: the processor
 * (processors/learner.ts) runs them at their keys, the simulator's offline driver and the bench
 * call them directly, so all three learn exactly alike.
 *
 * - `rate` goes from the actor u to the target v with u's taste, taste bias, the signal and the
 *   decision; v updates its appeal and its in-lists and answers with
 * - `feedback` to u: v's appeal before the step, the gradient g and the decision; u updates its
 *   taste and its out-lists.
 */
export interface RateMessage {
  readonly kind: 'rate';
  readonly from: string;
  readonly label: 0 | 1;
  readonly weight: number;
  readonly like: boolean;
  /** What the interaction decides about the pair (absent for visits and messages). */
  readonly decision?: Decision;
  readonly taste: readonly number[];
  readonly tasteBias: number;
  readonly at: number;
}

export interface FeedbackMessage {
  readonly kind: 'feedback';
  readonly from: string;
  readonly gradient: number;
  readonly appeal: readonly number[];
  readonly decision?: Decision;
  readonly at: number;
}

export type LearnerLoop = RateMessage | FeedbackMessage;

/** The first hop, at the actor u: what to send to the target, or nothing to learn. */
export function rateOf(
  row: ModelRow,
  i: Interaction,
  weights: SignalWeights,
  at: number,
): RateMessage | undefined {
  const signal = signalOf(i.type, weights);
  if (!signal) return undefined;
  const decision = decisionOf(i.type);
  const { label, weight } = signal;
  const like = i.type === 'like';
  // Two literals rather than a spread: one shape per message kind, no temporary object.
  return decision
    ? {
        kind: 'rate',
        from: row.user,
        label,
        weight,
        like,
        decision,
        taste: row.taste,
        tasteBias: row.tasteBias,
        at,
      }
    : { kind: 'rate', from: row.user, label, weight, like, taste: row.taste, tasteBias: row.tasteBias, at };
}

/** The second hop, at the target v: v's new row and the feedback for u (none when refused). */
export function applyRate(
  row: ModelRow,
  m: RateMessage,
  config: LearnerConfig,
): { row: ModelRow; feedback?: FeedbackMessage } {
  const at = m.at;
  const ok =
    typeof m.from === 'string' &&
    isFiniteVector(m.taste, config.factors) &&
    Number.isFinite(m.tasteBias) &&
    (m.label === 0 || m.label === 1) &&
    Number.isFinite(m.weight) &&
    m.weight > 0 &&
    m.weight <= 1;
  const result = ok ? appealHalf(row, m.taste, m.tasteBias, m.label, m.weight, config) : undefined;
  if (!result?.ok)
    return { row: counted(row, row.given, row.received, row.likesReceived, row.rejected + 1, at) };
  const decision = isDecision(m.decision) ? m.decision : undefined;
  const cap = config.neighbours;
  const lists = decision && cap > 0 ? decision : undefined;
  const next = makeRow(
    row,
    row.taste,
    result.nextAppeal,
    row.tasteBias,
    result.appealBias,
    {
      given: row.given,
      received: row.received + 1,
      likesReceived: row.likesReceived + (m.like ? 1 : 0),
      rejected: row.rejected,
      updatedAt: at,
    },
    lists
      ? {
          liked: row.liked,
          passed: row.passed,
          likedBy: likeListAfter(row.likedBy, m.from, lists, cap),
          passedBy: passListAfter(row.passedBy, m.from, lists, cap),
        }
      : row,
  );
  return {
    row: next,
    feedback:
      decision === undefined
        ? { kind: 'feedback', from: row.user, gradient: result.gradient, appeal: result.appeal, at }
        : {
            kind: 'feedback',
            from: row.user,
            gradient: result.gradient,
            appeal: result.appeal,
            decision,
            at,
          },
  };
}

/** The row with other counters (a refused step, or nothing learned): same shape as any row. */
function counted(
  row: ModelRow,
  given: number,
  received: number,
  likesReceived: number,
  rejected: number,
  updatedAt: number,
): ModelRow {
  return makeRow(
    row,
    row.taste,
    row.appeal,
    row.tasteBias,
    row.appealBias,
    { given, received, likesReceived, rejected, updatedAt },
    row,
  );
}

/** The third hop, back at u: u's new row. */
export function applyFeedback(row: ModelRow, m: FeedbackMessage, config: LearnerConfig): ModelRow {
  const ok = isFiniteVector(m.appeal, config.factors) && Number.isFinite(m.gradient);
  const next = ok ? tasteHalf(row, m.appeal, m.gradient, config) : undefined;
  if (!next) return counted(row, row.given, row.received, row.likesReceived, row.rejected + 1, m.at);
  const decision = isDecision(m.decision) && typeof m.from === 'string' ? m.decision : undefined;
  const cap = config.neighbours;
  const lists = decision && cap > 0 ? decision : undefined;
  return makeRow(
    row,
    next.taste,
    row.appeal,
    next.tasteBias,
    row.appealBias,
    {
      given: row.given + 1,
      received: row.received,
      likesReceived: row.likesReceived,
      rejected: row.rejected,
      updatedAt: m.at,
    },
    lists
      ? {
          liked: likeListAfter(row.liked, m.from, lists, cap),
          passed: passListAfter(row.passed, m.from, lists, cap),
          likedBy: row.likedBy,
          passedBy: row.passedBy,
        }
      : row,
  );
}
