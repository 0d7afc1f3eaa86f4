/**
 * The factorisation the learner keeps per user, and its update rule (pure functions: the
 * learner group, the ranker, the bench and the tests all use these).
 *
 *   P(u likes v) = σ(μ + c_u + b_v + t_u · a_v)
 *
 * t_u is u's taste (what u likes), a_v is v's appeal (who likes v), c_u u's taste bias (how
 * readily u likes anyone), b_v v's appeal bias (how liked v is), μ the prior logit from config.
 * One observed interaction u → v with label y ∈ {0, 1} and weight w is one SGD step on the
 * weighted log loss; g = w · (y − p) is the gradient with respect to the logit:
 *
 *   at v:  a_v ← a_v + η (g · t_u − λ a_v)      b_v ← b_v + η (g − λ_b b_v)
 *   at u:  t_u ← t_u + η (g · a_v − λ t_u)      c_u ← c_u + η (g − λ_b c_u)
 *
 * Each half runs at its own key (see processors/learner.ts): u's taste travels to v, v's appeal
 * and g travel back. Vectors are clipped to `maxNorm`, biases to ±`maxBias`, and a step whose
 * result is not finite is dropped, so NaN or Infinity never reach the table.
 */

import { seeded } from '@showcase/simkit';
import type { Neighbours } from './neighbours.ts';

export interface LearnerConfig {
  /** Factors per vector. */
  readonly factors: number;
  /** η */
  readonly learningRate: number;
  /** λ, on the vectors. */
  readonly regularization: number;
  /** λ_b, on the biases. */
  readonly biasRegularization: number;
  /** μ: the logit of the base rate of likes, a constant (not learned, so never lost). */
  readonly priorLogit: number;
  /** Scale of the deterministic initial vectors. */
  readonly initScale: number;
  readonly maxNorm: number;
  readonly maxBias: number;
  /** Ids kept per neighbourhood list of a row (neighbours.ts); 0 keeps none (the MF alone). */
  readonly neighbours: number;
}

export const defaultLearnerConfig: LearnerConfig = {
  factors: 16,
  learningRate: 0.3,
  regularization: 0.01,
  biasRegularization: 0.01,
  priorLogit: -1,
  initScale: 0.5,
  maxNorm: 6,
  maxBias: 8,
  neighbours: 100,
};

/** One user's row of the learner table (key = user id): the factorisation and the neighbour lists. */
export interface ModelRow extends Neighbours {
  readonly user: string;
  readonly taste: readonly number[];
  readonly appeal: readonly number[];
  readonly tasteBias: number;
  readonly appealBias: number;
  /** Interactions this user made that were learned from. */
  readonly given: number;
  /** Interactions this user received that were learned from (exploration uses it). */
  readonly received: number;
  /** Likes received: the popularity baseline. */
  readonly likesReceived: number;
  /** Steps refused because their result was not finite. */
  readonly rejected: number;
  readonly updatedAt: number;
}

/** 32-bit FNV-1a: the seed of a user's initial vectors. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A user's initial vectors: small, random, and a function of the id only. They cannot be zero
 * (t = a = 0 has zero gradient forever), and every instance, a reprocessed message and the
 * ranker (for users without a row yet) must agree on them.
 */
export function initialVector(user: string, side: 'taste' | 'appeal', config: LearnerConfig): number[] {
  const next = seeded(fnv1a(`${side}:${user}`));
  return Array.from({ length: config.factors }, () => (next() * 2 - 1) * config.initScale);
}

export function emptyRow(user: string, config: LearnerConfig, at = 0): ModelRow {
  return {
    user,
    taste: initialVector(user, 'taste', config),
    appeal: initialVector(user, 'appeal', config),
    tasteBias: 0,
    appealBias: 0,
    given: 0,
    received: 0,
    likesReceived: 0,
    rejected: 0,
    updatedAt: at,
  };
}

/** A stored row, fitted to the configured factor count (a config change pads or truncates). */
export function rowFor(user: string, stored: ModelRow | undefined, config: LearnerConfig): ModelRow {
  if (!stored) return emptyRow(user, config);
  if (stored.taste.length === config.factors && stored.appeal.length === config.factors) return stored;
  const fit = (v: readonly number[], side: 'taste' | 'appeal') => {
    const init = initialVector(user, side, config);
    return init.map((x, i) => v[i] ?? x);
  };
  return { ...stored, taste: fit(stored.taste, 'taste'), appeal: fit(stored.appeal, 'appeal') };
}

export function isFiniteVector(v: unknown, length: number): v is number[] {
  if (!Array.isArray(v) || v.length !== length) return false;
  for (const x of v) if (typeof x !== 'number' || !Number.isFinite(x)) return false;
  return true;
}

export function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

export function sigmoid(x: number): number {
  // Clamped: exp of a large argument is Infinity, and 1 / (1 + Infinity) is 0, not NaN; the
  // clamp keeps the probabilities strictly inside (0, 1).
  const z = Math.max(-30, Math.min(30, x));
  return 1 / (1 + Math.exp(-z));
}

/** P(u likes v) from u's taste side and v's appeal side. */
export function likeProbability(
  taste: readonly number[],
  tasteBias: number,
  appeal: readonly number[],
  appealBias: number,
  config: LearnerConfig,
): number {
  return sigmoid(config.priorLogit + tasteBias + appealBias + dot(taste, appeal));
}

/**
 * Learned numbers are kept to 6 decimals: a double prints as up to 19 characters, a rounded one
 * as at most 9, and every row write and loop message is JSON (the learner bench: the JSON of the
 * rows was most of the cost per interaction). 1e-6 is far below any step η·g·x that matters.
 */
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

const clip = (x: number, max: number) => Math.max(-max, Math.min(max, x));

/** g · x − λ · v, scaled by η and added to v; clipped to maxNorm; rounded. One new array. */
function step(v: readonly number[], g: number, x: readonly number[], lambda: number, c: LearnerConfig) {
  const n = v.length;
  const out = new Array<number>(n);
  let n2 = 0;
  for (let i = 0; i < n; i++) {
    const y = v[i]! + c.learningRate * (g * (x[i] ?? 0) - lambda * v[i]!);
    out[i] = y;
    n2 += y * y;
  }
  const norm = Math.sqrt(n2);
  const f = norm > c.maxNorm ? c.maxNorm / norm : 1;
  for (let i = 0; i < n; i++) out[i] = round6(out[i]! * f);
  return out;
}

/** A bias after its step, clipped and rounded. */
function biasStep(b: number, g: number, c: LearnerConfig): number {
  return round6(clip(b + c.learningRate * (g - c.biasRegularization * b), c.maxBias));
}

export interface AppealHalf {
  /** False when the step's result was not finite (it must then not be kept). */
  readonly ok: boolean;
  /** v's appeal and appeal bias after the step. */
  readonly nextAppeal: readonly number[];
  readonly appealBias: number;
  /** g = w (y − p): what u's half needs, with v's appeal before the step. */
  readonly gradient: number;
  readonly appeal: readonly number[];
}

/** v's half of a step without building a row (the learner's hot path builds it once, makeRow). */
export function appealHalf(
  row: ModelRow,
  taste: readonly number[],
  tasteBias: number,
  label: 0 | 1,
  weight: number,
  config: LearnerConfig,
): AppealHalf {
  const p = likeProbability(taste, tasteBias, row.appeal, row.appealBias, config);
  const gradient = weight * (label - p);
  const nextAppeal = step(row.appeal, gradient, taste, config.regularization, config);
  const appealBias = biasStep(row.appealBias, gradient, config);
  const ok =
    Number.isFinite(gradient) && Number.isFinite(appealBias) && isFiniteVector(nextAppeal, nextAppeal.length);
  return { ok, nextAppeal, appealBias, gradient, appeal: row.appeal };
}

export interface TasteHalf {
  readonly taste: readonly number[];
  readonly tasteBias: number;
}

/** u's half of a step without building a row. */
export function tasteHalf(
  row: ModelRow,
  appeal: readonly number[],
  gradient: number,
  config: LearnerConfig,
): TasteHalf | undefined {
  const taste = step(row.taste, gradient, appeal, config.regularization, config);
  const tasteBias = biasStep(row.tasteBias, gradient, config);
  const ok = Number.isFinite(tasteBias) && isFiniteVector(taste, taste.length);
  return ok ? { taste, tasteBias } : undefined;
}

export interface AppealStep {
  /** v's row after the step, or undefined when the step was not finite. */
  readonly row: ModelRow | undefined;
  /** g = w (y − p): what u's half needs, with v's appeal before the step. */
  readonly gradient: number;
  readonly appeal: readonly number[];
}

/** v's half of a step as a row: u (taste t_u, bias c_u) gave v label y with weight w. */
export function appealStep(
  row: ModelRow,
  taste: readonly number[],
  tasteBias: number,
  label: 0 | 1,
  weight: number,
  config: LearnerConfig,
): AppealStep {
  const h = appealHalf(row, taste, tasteBias, label, weight, config);
  const next = h.ok ? { ...row, appeal: h.nextAppeal, appealBias: h.appealBias } : undefined;
  return { row: next, gradient: h.gradient, appeal: h.appeal };
}

/** u's half of a step as a row: v's appeal (before its step) and the gradient came back. */
export function tasteStep(
  row: ModelRow,
  appeal: readonly number[],
  gradient: number,
  config: LearnerConfig,
): ModelRow | undefined {
  const h = tasteHalf(row, appeal, gradient, config);
  return h ? { ...row, taste: h.taste, tasteBias: h.tasteBias } : undefined;
}

/**
 * Every row the learner writes is built here, with all keys in one order: one hidden class for
 * all rows (spreads of rows with optional keys made V8 keep several shapes, and dictionary-mode
 * objects cost more to copy and to stringify). Lists stay absent when the learner keeps none.
 */
export function makeRow(
  r: ModelRow,
  taste: readonly number[],
  appeal: readonly number[],
  tasteBias: number,
  appealBias: number,
  counts: { given: number; received: number; likesReceived: number; rejected: number; updatedAt: number },
  lists: Neighbours,
): ModelRow {
  return {
    user: r.user,
    taste,
    appeal,
    tasteBias,
    appealBias,
    given: counts.given,
    received: counts.received,
    likesReceived: counts.likesReceived,
    rejected: counts.rejected,
    updatedAt: counts.updatedAt,
    liked: lists.liked,
    passed: lists.passed,
    likedBy: lists.likedBy,
    passedBy: lists.passedBy,
  };
}

/** A row is sound when every number in it is finite (what the table must only ever hold). */
export function isSoundRow(row: ModelRow, factors: number): boolean {
  return (
    isFiniteVector(row.taste, factors) &&
    isFiniteVector(row.appeal, factors) &&
    Number.isFinite(row.tasteBias) &&
    Number.isFinite(row.appealBias)
  );
}
