/**
 * The co-clustering's start (co-clusters.ts): EM on a block model from a random start stops in
 * a local optimum (issue24 preset after 50 swipes: recall@10 0.35 from four random starts,
 * 0.59 from the planted kinds), so it starts from a spectral estimate instead, the usual start
 * for stochastic block models: the top K singular vectors of the decision matrix (a like is
 * 1 − p̄, a pass −p̄, where p̄ is the like rate; undecided pairs 0), found by subspace iteration,
 * then k-means over the rows of each side — left vectors for the tastes, right ones for the
 * appeals. Deterministic: fixed-seed vectors, k-means++ seeded by the same generator.
 */

/** Sparse rows: the ids of row r are at[start[r] .. start[r + 1]). */
export interface SparseRows {
  readonly start: Int32Array;
  readonly at: Int32Array;
}

export interface DecisionMatrix {
  readonly n: number;
  /** u's likes and passes (out), v's likers and passers (in). */
  readonly likes: SparseRows;
  readonly passes: SparseRows;
  readonly likedBy: SparseRows;
  readonly passedBy: SparseRows;
}

/** y = M x for x, y of n × k (row-major); `out` selects M (likes/passes) or Mᵀ (likedBy/passedBy). */
function multiply(
  yes: SparseRows,
  no: SparseRows,
  yesValue: number,
  noValue: number,
  x: Float64Array,
  y: Float64Array,
  n: number,
  k: number,
): void {
  y.fill(0);
  for (let r = 0; r < n; r++) {
    const o = r * k;
    for (let p = yes.start[r]!; p < yes.start[r + 1]!; p++) {
      const c = yes.at[p]! * k;
      for (let j = 0; j < k; j++) y[o + j]! += yesValue * x[c + j]!;
    }
    for (let p = no.start[r]!; p < no.start[r + 1]!; p++) {
      const c = no.at[p]! * k;
      for (let j = 0; j < k; j++) y[o + j]! += noValue * x[c + j]!;
    }
  }
}

/** Modified Gram-Schmidt over the k columns of x (n × k). */
function orthonormalise(x: Float64Array, n: number, k: number): void {
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < j; i++) {
      let d = 0;
      for (let r = 0; r < n; r++) d += x[r * k + i]! * x[r * k + j]!;
      for (let r = 0; r < n; r++) x[r * k + j]! -= d * x[r * k + i]!;
    }
    let norm = 0;
    for (let r = 0; r < n; r++) norm += x[r * k + j]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let r = 0; r < n; r++) x[r * k + j]! /= norm;
  }
}

/** Left and right singular subspaces (n × k each) of the centred decision matrix. */
function singularVectors(
  m: DecisionMatrix,
  k: number,
  rounds: number,
  rand: () => number,
): { left: Float64Array; right: Float64Array } {
  const { n } = m;
  let likes = 0;
  let all = 0;
  for (let r = 0; r < n; r++) {
    likes += m.likes.start[r + 1]! - m.likes.start[r]!;
    all += m.likes.start[r + 1]! - m.likes.start[r]! + m.passes.start[r + 1]! - m.passes.start[r]!;
  }
  const rate = all > 0 ? likes / all : 0;
  const left = new Float64Array(n * k);
  const right = new Float64Array(n * k);
  for (let i = 0; i < left.length; i++) left[i] = rand() - 0.5;
  orthonormalise(left, n, k);
  for (let round = 0; round < rounds; round++) {
    multiply(m.likedBy, m.passedBy, 1 - rate, -rate, left, right, n, k);
    orthonormalise(right, n, k);
    multiply(m.likes, m.passes, 1 - rate, -rate, right, left, n, k);
    orthonormalise(left, n, k);
  }
  return { left, right };
}

/** k-means (k-means++ start) over the unit-normalised rows of x; rows of zeros get −1. */
function kMeans(x: Float64Array, n: number, k: number, rounds: number, rand: () => number): Int32Array {
  const rows = new Float64Array(x);
  const live: number[] = [];
  for (let r = 0; r < n; r++) {
    let norm = 0;
    for (let j = 0; j < k; j++) norm += rows[r * k + j]! ** 2;
    if (norm < 1e-18) continue;
    norm = Math.sqrt(norm);
    for (let j = 0; j < k; j++) rows[r * k + j]! /= norm;
    live.push(r);
  }
  const label = new Int32Array(n).fill(-1);
  if (live.length === 0) return label;
  const centres = new Float64Array(k * k);
  const distance = (r: number, c: number) => {
    let d = 0;
    for (let j = 0; j < k; j++) d += (rows[r * k + j]! - centres[c * k + j]!) ** 2;
    return d;
  };
  // k-means++: each next centre drawn in proportion to the squared distance to the nearest one.
  const nearest = new Float64Array(n).fill(Infinity);
  let pick = live[Math.floor(rand() * live.length)]!;
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < k; j++) centres[c * k + j] = rows[pick * k + j]!;
    let sum = 0;
    for (const r of live) {
      nearest[r] = Math.min(nearest[r]!, distance(r, c));
      sum += nearest[r]!;
    }
    let target = rand() * sum;
    for (const r of live) {
      target -= nearest[r]!;
      if (target <= 0) {
        pick = r;
        break;
      }
    }
  }
  const counts = new Float64Array(k);
  for (let round = 0; round < rounds; round++) {
    let moved = 0;
    for (const r of live) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const d = distance(r, c);
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      if (label[r] !== best) moved++;
      label[r] = best;
    }
    if (moved === 0) break;
    centres.fill(0);
    counts.fill(0);
    for (const r of live) {
      const c = label[r]!;
      counts[c]!++;
      for (let j = 0; j < k; j++) centres[c * k + j]! += rows[r * k + j]!;
    }
    for (let c = 0; c < k; c++)
      if (counts[c]! > 0) for (let j = 0; j < k; j++) centres[c * k + j]! /= counts[c]!;
  }
  return label;
}

/** Taste and appeal clusters to start EM from (−1: no decisions on that side). */
export function spectralStart(
  m: DecisionMatrix,
  k: number,
  rand: () => number,
  rounds = 30,
): { taste: Int32Array; appeal: Int32Array } {
  const { left, right } = singularVectors(m, k, rounds, rand);
  return { taste: kMeans(left, m.n, k, 50, rand), appeal: kMeans(right, m.n, k, 50, rand) };
}
