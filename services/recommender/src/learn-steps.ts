import type { Interaction } from '@showcase/contracts';
import { appealStep, isFiniteVector, type LearnerConfig, type ModelRow, tasteStep } from './model.ts';
import { type Decision, decide, decisionOf, isDecision } from './neighbours.ts';
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
  return {
    kind: 'rate',
    from: row.user,
    label: signal.label,
    weight: signal.weight,
    like: i.type === 'like',
    ...(decision ? { decision } : {}),
    taste: row.taste,
    tasteBias: row.tasteBias,
    at,
  };
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
  const result = ok ? appealStep(row, m.taste, m.tasteBias, m.label, m.weight, config) : undefined;
  if (!result?.row) return { row: { ...row, rejected: row.rejected + 1, updatedAt: at } };
  const decision = isDecision(m.decision) ? m.decision : undefined;
  return {
    row: {
      ...result.row,
      ...(decision && config.neighbours > 0 ? decide(row, 'in', m.from, decision, config.neighbours) : {}),
      received: row.received + 1,
      likesReceived: row.likesReceived + (m.like ? 1 : 0),
      updatedAt: at,
    },
    feedback: {
      kind: 'feedback',
      from: row.user,
      gradient: result.gradient,
      appeal: result.appeal,
      ...(decision ? { decision } : {}),
      at,
    },
  };
}

/** The third hop, back at u: u's new row. */
export function applyFeedback(row: ModelRow, m: FeedbackMessage, config: LearnerConfig): ModelRow {
  const ok = isFiniteVector(m.appeal, config.factors) && Number.isFinite(m.gradient);
  const next = ok ? tasteStep(row, m.appeal, m.gradient, config) : undefined;
  if (!next) return { ...row, rejected: row.rejected + 1, updatedAt: m.at };
  const decision = isDecision(m.decision) && typeof m.from === 'string' ? m.decision : undefined;
  return {
    ...next,
    ...(decision && config.neighbours > 0 ? decide(row, 'out', m.from, decision, config.neighbours) : {}),
    given: row.given + 1,
    updatedAt: m.at,
  };
}
