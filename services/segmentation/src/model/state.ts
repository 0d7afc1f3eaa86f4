/**
 * The segmentation model as data: one JSON row of the model group's table. Everything a reader
 * needs to assign a user (centroids, the population scale) is in it, so every instance assigns
 * with the same model through a view, and a restarted instance recovers it from the changelog.
 */

/** Half of a segment, learned online to test whether the segment holds two groups. */
export interface SubCluster {
  n: number;
  c: number[];
  /** Decayed mean scaled squared distance of its points to `c`. */
  spread: number;
}

/** k-means++ seeding of a segment's two halves, in the streaming form (weighted reservoir). */
export interface SubSeeding {
  /** The first half's seed: the first point after seeding began. */
  a: number[];
  /** The best candidate so far for the second seed (drawn with probability ∝ D² to `a`). */
  b: number[] | null;
  key: number;
  seen: number;
}

export interface Segment {
  readonly id: number;
  /** Decayed weight: points assigned, discounted by α per point (Spark's rule). */
  n: number;
  /** Centroid in raw feature space (readable: `centroid.likes = 0.4` is 40 % of events). */
  c: number[];
  /** Decayed mean scaled squared distance of its points to the centroid. */
  spread: number;
  sub: [SubCluster, SubCluster] | null;
  seeding: SubSeeding | null;
  /** Points seen by the model when the current halves were seeded (re-seeded when stale). */
  subSince: number;
  /** Users whose current assignment is this segment. */
  members: number;
  /** Model point count when the segment was created. */
  born: number;
  /** Label votes from POST /labels: [label, count], most voted first. */
  votes: [string, number][];
}

export interface ModelState {
  readonly version: 1;
  /** Points learned from. */
  points: number;
  nextId: number;
  /** PRNG state (mulberry32), so that seeding is deterministic for a seed. */
  rng: number;
  /** Decayed population mean and variance of the raw features: the standardisation. */
  mean: number[];
  variance: number[];
  statWeight: number;
  segments: Segment[];
  /** Ids merged or pruned away → the segment that took their users (newest last, bounded). */
  redirects: [number, number][];
  /** Structural changes (splits, merges, prunes), newest last, bounded: what happened and why. */
  history: { at: number; event: string }[];
  updatedAt: number;
}

export interface ModelConfig {
  /** At most this many segments (SEGMENTS_MAX). */
  readonly maxSegments: number;
  /** Half-life of segment weights and of the population statistics, in points. */
  readonly halfLifePoints: number;
  /** Split, merge and prune are considered every this many points. */
  readonly checkEvery: number;
  /** Points drawn for the k-means++ seeding of a segment's halves. */
  readonly seedingPoints: number;
  /** A segment needs this weight before it may split. */
  readonly minSplitWeight: number;
  /** Each half needs this share of the segment's weight for a split. */
  readonly minHalfShare: number;
  /** ...and at least this weight, learned over at least `halfWarmup` points since seeding. */
  readonly minHalfWeight: number;
  readonly halfWarmup: number;
  /** Split when (halves' mean spread) / (segment spread) is below this... */
  readonly splitRatio: number;
  /** ...and the halves' centroids are at least this far apart (scaled squared distance). */
  readonly minSeparation: number;
  /** Merge two segments when (their mean spread) / (the merged spread) is above this. */
  readonly mergeRatio: number;
  /** Prune a segment whose weight share fell below this (after `minAgePoints`). */
  readonly pruneShare: number;
  readonly minAgePoints: number;
  /** Halves that did not lead to a split are seeded again after this many points. */
  readonly reseedAfter: number;
  readonly seed: number;
}

export const defaultModelConfig: ModelConfig = {
  maxSegments: 12,
  halfLifePoints: 2000,
  checkEvery: 50,
  seedingPoints: 24,
  minSplitWeight: 80,
  minHalfShare: 0.12,
  minHalfWeight: 30,
  halfWarmup: 200,
  // 0.85, not 0.8: five behaviour groups of equal size split two against three at best, which
  // explains only ~25 % of the spread (ratio ≈ 0.75–0.77 on the simulator's population, batch
  // 2-means); online halves land a few points above that, so at 0.8 the split passed only when
  // the points arrived sorted by group (the in-memory cluster drains one input topic at a time),
  // never in the interleaved order of a real broker. Merge stays at 0.9: the hysteresis remains.
  splitRatio: 0.85,
  minSeparation: 6,
  mergeRatio: 0.9,
  pruneShare: 0.02,
  minAgePoints: 600,
  // Halves seeded on an unlucky pair get a fresh chance within a few rounds of sampling.
  reseedAfter: 600,
  seed: 1,
};

export function emptyModel(dims: number, seed: number, at = 0): ModelState {
  return {
    version: 1,
    points: 0,
    nextId: 1,
    rng: seed | 0,
    mean: new Array<number>(dims).fill(0),
    variance: new Array<number>(dims).fill(0),
    statWeight: 0,
    segments: [],
    redirects: [],
    history: [],
    updatedAt: at,
  };
}

/** Per-feature standard deviation used for distances, never below the feature's floor. */
export function scales(model: Pick<ModelState, 'variance'>, floors: readonly number[]): number[] {
  return model.variance.map((v, i) => Math.max(Math.sqrt(Math.max(0, v)), floors[i] ?? 1e-3));
}

/** Squared Euclidean distance of standardised vectors (the mean cancels out). */
export function scaledDistance2(
  x: readonly number[],
  c: readonly number[],
  scale: readonly number[],
): number {
  let d = 0;
  for (let i = 0; i < x.length; i++) {
    const z = ((x[i] ?? 0) - (c[i] ?? 0)) / (scale[i] ?? 1);
    d += z * z;
  }
  return d;
}

export interface Assignment {
  readonly segment: number;
  /** d2 / (d1 + d2) of the two nearest centroids' distances: 1 = unambiguous, 0.5 = a tie. */
  readonly confidence: number;
  readonly distance2: number;
}

/** The nearest segment of `x`; undefined while the model has none. */
export function assign(
  model: Pick<ModelState, 'variance' | 'segments'>,
  x: readonly number[],
  floors: readonly number[],
  scale: readonly number[] = scales(model, floors),
): Assignment | undefined {
  let best: Segment | undefined;
  let d1 = Number.POSITIVE_INFINITY;
  let d2 = Number.POSITIVE_INFINITY;
  for (const s of model.segments) {
    const d = scaledDistance2(x, s.c, scale);
    if (d < d1 || (d === d1 && best && s.id < best.id)) {
      d2 = d1;
      d1 = d;
      best = s;
    } else if (d < d2) d2 = d;
  }
  if (!best) return undefined;
  const a = Math.sqrt(d1);
  const b = Math.sqrt(d2);
  const confidence = Number.isFinite(b) ? (a + b > 0 ? b / (a + b) : 0.5) : 1;
  return { segment: best.id, confidence, distance2: d1 };
}

/** Follows merge/prune redirects to the segment that holds an old id's users now. */
export function resolveSegment(model: Pick<ModelState, 'redirects' | 'segments'>, id: number): number | null {
  let current = id;
  for (let hops = 0; hops <= model.redirects.length; hops++) {
    if (model.segments.some((s) => s.id === current)) return current;
    const next = model.redirects.find(([from]) => from === current);
    if (!next) return null;
    current = next[1];
  }
  return null;
}

/** The majority label of a segment, if any. */
export function labelOf(segment: Pick<Segment, 'votes'>): string | undefined {
  return segment.votes[0]?.[0];
}
