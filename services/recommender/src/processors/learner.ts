import { type Interaction, interactions, interactionTypes } from '@showcase/contracts';
import { type Context, defineGroup, input, json, loopback, persist } from '@showcase/goka';
import {
  appealStep,
  isFiniteVector,
  type LearnerConfig,
  type ModelRow,
  rowFor,
  tasteStep,
} from '../model.ts';
import { type SignalWeights, signalOf } from '../signals.ts';
import { groups } from '../topics.ts';

/**
 * The two hops of one SGD step (cofire's user → item → user, with users on both sides):
 * - `rate` goes from the actor u to the target v with u's taste, taste bias and the signal;
 *   v updates its appeal and answers with
 * - `feedback` to u: v's appeal before the step and the gradient g; u updates its taste.
 */
export type LearnerLoop =
  | {
      readonly kind: 'rate';
      readonly from: string;
      readonly label: 0 | 1;
      readonly weight: number;
      readonly like: boolean;
      readonly taste: readonly number[];
      readonly tasteBias: number;
      readonly at: number;
    }
  | {
      readonly kind: 'feedback';
      readonly from: string;
      readonly gradient: number;
      readonly appeal: readonly number[];
      readonly at: number;
    };

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
 * The learner group (key = user id): one row per user with both sides of the factorisation.
 * A callback writes only its own key's row, so a step that touches u's taste and v's appeal
 * hops over the loop topic. Both halves refuse non-finite results; a refused step counts in
 * `rejected` and leaves the model as it was.
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
  const save = (ctx: Ctx, row: ModelRow) => ctx.setValue(row);

  return defineGroup<ModelRow, LearnerLoop>(
    names.group,
    persist(json<ModelRow>()),
    loopback(json<LearnerLoop>(), (ctx, m) => {
      const row = rowFor(ctx.key, ctx.value(), config);
      const at = timeOf(m?.at, ctx.timestamp);
      if (m?.kind === 'rate') {
        const ok =
          typeof m.from === 'string' &&
          isFiniteVector(m.taste, config.factors) &&
          Number.isFinite(m.tasteBias) &&
          (m.label === 0 || m.label === 1) &&
          Number.isFinite(m.weight) &&
          m.weight > 0 &&
          m.weight <= 1;
        const result = ok ? appealStep(row, m.taste, m.tasteBias, m.label, m.weight, config) : undefined;
        if (!result?.row) {
          save(ctx, { ...row, rejected: row.rejected + 1, updatedAt: at });
          return;
        }
        save(ctx, {
          ...result.row,
          received: row.received + 1,
          likesReceived: row.likesReceived + (m.like ? 1 : 0),
          updatedAt: at,
        });
        ctx.loopback(m.from, {
          kind: 'feedback',
          from: ctx.key,
          gradient: result.gradient,
          appeal: result.appeal,
          at,
        });
      } else if (m?.kind === 'feedback') {
        const ok = isFiniteVector(m.appeal, config.factors) && Number.isFinite(m.gradient);
        const next = ok ? tasteStep(row, m.appeal, m.gradient, config) : undefined;
        save(
          ctx,
          next
            ? { ...next, given: row.given + 1, updatedAt: at }
            : { ...row, rejected: row.rejected + 1, updatedAt: at },
        );
      }
    }),
    input(names.input, interactions.codec, (ctx, i) => {
      if (!learnable(ctx.key, i)) return;
      const signal = signalOf(i.type, weights);
      if (!signal) return;
      const row = rowFor(ctx.key, ctx.value(), config);
      ctx.loopback(i.to, {
        kind: 'rate',
        from: ctx.key,
        label: signal.label,
        weight: signal.weight,
        like: i.type === 'like',
        taste: row.taste,
        tasteBias: row.tasteBias,
        at: timeOf(i.at, ctx.timestamp),
      });
    }),
  );
}
