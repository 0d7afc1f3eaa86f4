import { mulberry32Step } from '@showcase/simkit';
import {
  type ModelConfig,
  type ModelState,
  resolveSegment,
  type Segment,
  type SubCluster,
  scaledDistance2,
  scales,
} from './state.ts';
import { restructure } from './structure.ts';

/**
 * Online learning of one point: streaming k-means with Spark's decay rule, per point.
 *
 * Spark's StreamingKMeans updates a cluster with a batch of m points as
 *   n' = α·n + m,   c' = (α·n·c + Σx) / n'
 * with α the decay per time unit; with the time unit "points" and a batch of one point, every
 * segment's weight is discounted by α = 2^(-1/halfLifePoints) and the winner moves by
 * (x − c)/n'. The number of segments is not fixed: each segment learns two halves (seeded
 * k-means++-style), and `restructure` splits, merges and prunes every `checkEvery` points.
 */

export interface ModelPoint {
  readonly user: string;
  /** Raw feature vector (FEATURES order). */
  readonly x: readonly number[];
  readonly at: number;
  /** The user's assignment changed with this point: keeps `members` (segment sizes) current. */
  readonly move?: { readonly from: number | null; readonly to: number };
}

export function cloneModel(m: ModelState): ModelState {
  return {
    ...m,
    mean: [...m.mean],
    variance: [...m.variance],
    segments: m.segments.map(cloneSegment),
    redirects: m.redirects.map(([a, b]) => [a, b] as [number, number]),
    history: [...m.history],
  };
}

function cloneSegment(s: Segment): Segment {
  return {
    ...s,
    c: [...s.c],
    sub: s.sub
      ? [
          { ...s.sub[0], c: [...s.sub[0].c] },
          { ...s.sub[1], c: [...s.sub[1].c] },
        ]
      : null,
    seeding: s.seeding
      ? { ...s.seeding, a: [...s.seeding.a], b: s.seeding.b ? [...s.seeding.b] : null }
      : null,
    votes: s.votes.map(([l, n]) => [l, n] as [string, number]),
  };
}

export function newSegment(model: ModelState, c: readonly number[], n: number, spread: number): Segment {
  const segment: Segment = {
    id: model.nextId++,
    n,
    c: [...c],
    spread,
    sub: null,
    seeding: null,
    subSince: model.points,
    members: 0,
    born: model.points,
    votes: [],
  };
  model.segments.push(segment);
  return segment;
}

/** Exponentially weighted mean and variance (West), with the same half-life as the weights. */
function updateStatistics(model: ModelState, x: readonly number[], alpha: number): void {
  model.statWeight = model.statWeight * alpha + 1;
  const eta = 1 / model.statWeight;
  for (let i = 0; i < x.length; i++) {
    const diff = (x[i] ?? 0) - (model.mean[i] ?? 0);
    const incr = eta * diff;
    model.mean[i] = (model.mean[i] ?? 0) + incr;
    model.variance[i] = (1 - eta) * ((model.variance[i] ?? 0) + diff * incr);
  }
}

/** Moves a centroid (segment or half) towards x by Spark's rule; returns x's distance before. */
function pull(target: { n: number; c: number[]; spread: number }, x: readonly number[], scale: number[]) {
  const d = scaledDistance2(x, target.c, scale);
  target.n += 1;
  const eta = 1 / target.n;
  for (let i = 0; i < x.length; i++)
    target.c[i] = (target.c[i] ?? 0) + eta * ((x[i] ?? 0) - (target.c[i] ?? 0));
  target.spread += eta * (d - target.spread);
  return d;
}

/**
 * The halves of a segment: k-means++ seeding in streaming form — the first point is seed a,
 * the second seed is drawn among the next `seedingPoints` points with probability ∝ D²(x, a)
 * (weighted reservoir sampling: keep the point with the largest u^(1/D²)) — then online 2-means.
 */
function learnHalves(
  model: ModelState,
  s: Segment,
  x: readonly number[],
  scale: number[],
  config: ModelConfig,
) {
  if (s.sub) {
    const [h0, h1] = s.sub;
    const near: SubCluster = scaledDistance2(x, h0.c, scale) <= scaledDistance2(x, h1.c, scale) ? h0 : h1;
    pull(near, x, scale);
    return;
  }
  if (!s.seeding) {
    s.seeding = { a: [...x], b: null, key: -1, seen: 0 };
    return;
  }
  const seeding = s.seeding;
  const weight = scaledDistance2(x, seeding.a, scale);
  const r = mulberry32Step(model.rng);
  // Rows written before simkit kept the state as a signed int32; keep that representation so old
  // and new rows (and instances of both versions) hold the same numbers.
  model.rng = r.state | 0;
  const key = weight > 0 ? Math.log(Math.max(r.value, 1e-12)) / weight : Number.NEGATIVE_INFINITY;
  if (weight > 0 && (seeding.b === null || key > seeding.key)) {
    seeding.b = [...x];
    seeding.key = key;
  }
  seeding.seen += 1;
  if (seeding.seen >= config.seedingPoints && seeding.b) {
    s.sub = [
      { n: 1, c: seeding.a, spread: 0 },
      { n: 1, c: seeding.b, spread: 0 },
    ];
    s.seeding = null;
    s.subSince = model.points;
  }
}

/**
 * Learns one point; returns a new model (the input is not changed). `floors` are the features'
 * minimum scales (FEATURE_FLOORS).
 */
export function learn(
  previous: ModelState,
  point: ModelPoint,
  config: ModelConfig,
  floors: readonly number[],
): ModelState {
  const model = cloneModel(previous);
  const alpha = 2 ** (-1 / config.halfLifePoints);
  const x = point.x;
  model.points += 1;
  model.updatedAt = Math.max(model.updatedAt, point.at);
  updateStatistics(model, x, alpha);
  if (point.move) applyMove(model, point.move);
  const scale = scales(model, floors);
  if (model.segments.length === 0) {
    newSegment(model, x, 1, 0);
    model.history.push({ at: point.at, event: `segment ${model.nextId - 1} created from the first point` });
    return model;
  }
  let nearest = model.segments[0]!;
  let best = Number.POSITIVE_INFINITY;
  for (const s of model.segments) {
    s.n *= alpha;
    if (s.sub) {
      s.sub[0].n *= alpha;
      s.sub[1].n *= alpha;
    }
    const d = scaledDistance2(x, s.c, scale);
    if (d < best || (d === best && s.id < nearest.id)) {
      best = d;
      nearest = s;
    }
  }
  pull(nearest, x, scale);
  learnHalves(model, nearest, x, scale, config);
  if (model.points % config.checkEvery === 0) restructure(model, scale, config, point.at);
  return model;
}

/** A user's assignment moved: one member less in the old segment, one more in the new one. */
function applyMove(model: ModelState, move: { from: number | null; to: number }): void {
  const to = resolveSegment(model, move.to);
  const from = move.from === null ? null : resolveSegment(model, move.from);
  if (to === from) return;
  const target = model.segments.find((s) => s.id === to);
  if (target) target.members += 1;
  const source = from === null ? undefined : model.segments.find((s) => s.id === from);
  if (source) source.members = Math.max(0, source.members - 1);
}

/** A label vote for a segment (POST /labels). */
export function vote(previous: ModelState, segmentId: number, label: string): ModelState {
  const model = cloneModel(previous);
  const id = resolveSegment(model, segmentId);
  const s = model.segments.find((x) => x.id === id);
  if (!s) return model;
  const entry = s.votes.find(([l]) => l === label);
  if (entry) entry[1] += 1;
  else s.votes.push([label, 1]);
  s.votes.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  s.votes = s.votes.slice(0, 16);
  return model;
}
