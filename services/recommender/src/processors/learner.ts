import { type Interaction, interactions, interactionTypes } from '@showcase/contracts';
import { type Context, defineGroup, input, json, loopback, persist } from '@showcase/goka';
import { applyFeedback, applyRate, type LearnerLoop, rateOf } from '../learn-steps.ts';
import { type LearnerConfig, type ModelRow, rowFor } from '../model.ts';
import type { SignalWeights } from '../signals.ts';
import { groups } from '../topics.ts';

export type { LearnerLoop } from '../learn-steps.ts';

type Ctx = Context<ModelRow, LearnerLoop>;

const USER_ID = /^[A-Za-z0-9._@-]{1,64}$/;
const TYPES: ReadonlySet<string> = new Set(interactionTypes);

/** Interactions that cannot be learned from are skipped, not failed: the topic is not ours. */
function learnable(key: string, i: Interaction): boolean {
  return (
    i !== null &&
    typeof i === 'object' &&
    i.from === key &&
    typeof i.to === 'string' &&
    USER_ID.test(i.to) &&
    i.to !== key &&
    TYPES.has(i.type)
  );
}

const timeOf = (at: unknown, fallback: number) =>
  typeof at === 'number' && Number.isFinite(at) ? at : fallback;

/**
 * The learner group (key = user id): one row per user with both sides of the factorisation and
 * the neighbour lists (learn-steps.ts). A callback writes only its own key's row, so a step that
 * touches u's taste and v's appeal hops over the loop topic: rate (u → v), feedback (v → u).
 * Both halves refuse non-finite results; a refused step counts in `rejected` and leaves the
 * model as it was.
 */
export function learnerGroup(
  config: LearnerConfig,
  weights: SignalWeights,
  /** Other names than the service's, e.g. for a benchmark on a shared broker. */
  names: { readonly group: string; readonly input: string } = {
    group: groups.learner,
    input: interactions.name,
  },
) {
  return defineGroup<ModelRow, LearnerLoop>(
    names.group,
    persist(json<ModelRow>()),
    loopback(json<LearnerLoop>(), (ctx: Ctx, m) => {
      const row = rowFor(ctx.key, ctx.value(), config);
      const at = timeOf(m?.at, ctx.timestamp);
      if (m?.kind === 'rate') {
        const { row: next, feedback } = applyRate(row, { ...m, at }, config);
        ctx.setValue(next);
        if (feedback && typeof m.from === 'string') ctx.loopback(m.from, feedback);
      } else if (m?.kind === 'feedback') {
        ctx.setValue(applyFeedback(row, { ...m, at }, config));
      }
    }),
    input(names.input, interactions.codec, (ctx, i) => {
      if (!learnable(ctx.key, i)) return;
      const rate = rateOf(rowFor(ctx.key, ctx.value(), config), i, weights, timeOf(i.at, ctx.timestamp));
      if (rate) ctx.loopback(i.to, rate);
    }),
  );
}
