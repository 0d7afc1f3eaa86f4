import type { ModelRow } from './model.ts';
import { spectralStart } from './spectral-start.ts';

/**
 * A co-clustering of all users fitted on every decision in the learner rows' neighbour lists: a
 * bipartite stochastic block model. Each user has a **taste** membership T_u (a distribution over
 * K taste clusters: whom u likes) and an **appeal** membership A_v (over K appeal clusters: who
 * likes v), and θ[i][j] is the like rate of taste cluster i for appeal cluster j:
 *
 *   P(u likes v) = Σ_ij T_u[i] θ_ij A_v[j]
 *
 * Fitted by mean-field EM (T given A, A given T, θ given both; passes are the negatives), so a
 * user's clusters use everyone's decisions at once: u's taste from the appeal clusters of whom
 * u liked and passed, v's appeal from the taste clusters of who liked and passed v. That is what
 * the two-hop walks (affinity.ts) cannot do after ~8 likes per user: most of u's neighbours share
 * a single like with it, and a third of u's likes are outside its preferred kinds.
 *
 * A pure function of the rows (users sorted by id, a fixed-seed start), so every instance with
 * the same table serves the same clusters. Per iteration O(decisions × K + users × K²).
 */
export interface CoClusterConfig {
  /** K: clusters per side. */
  readonly clusters: number;
  readonly iterations: number;
  /**
   * Fits from different starts; the one with the best likelihood is kept (1: on the issue24
   * preset more did not raise recall — the likeliest fit is not always the best ranking one).
   */
  readonly restarts: number;
  /** Beta prior of every θ_ij: (likes + a·prior) / (decisions + a). */
  readonly shrinkage: number;
  readonly prior: number;
  /** Start from the decision matrix's singular vectors (spectral-start.ts), not at random. */
  readonly spectral: boolean;
  /** Iterations with hard assignments before the soft ones. */
  readonly hardIterations: number;
}

/** What a fit reads of a model row: its id and its out-lists (the worker is sent only these). */
export type DecisionRow = Pick<ModelRow, 'user' | 'liked' | 'passed'>;

/** A fit as plain data (structured-cloneable; the typed arrays' buffers are transferable). */
export interface CoClusterFitParts {
  /** Fitted users in index order (sorted by id). */
  readonly users: readonly string[];
  readonly taste: Float64Array;
  readonly appeal: Float64Array;
  readonly theta: Float64Array;
  readonly tasteShare: Float64Array;
  readonly appealShare: Float64Array;
  readonly clusters: number;
  readonly logLikelihood: number;
}

export const defaultCoClusterConfig: CoClusterConfig = {
  clusters: 12,
  iterations: 20,
  restarts: 1,
  shrinkage: 2,
  prior: 0.25,
  spectral: true,
  hardIterations: 10,
};

/** Fitted memberships and block rates; users the fit has not seen get the cluster shares. */
export class CoClusterFit {
  constructor(
    private readonly index: ReadonlyMap<string, number>,
    /** users × K, row-major. */
    private readonly taste: Float64Array,
    private readonly appeal: Float64Array,
    /** K × K, row-major: θ[i][j] at i·K + j. */
    private readonly theta: Float64Array,
    private readonly tasteShare: Float64Array,
    private readonly appealShare: Float64Array,
    readonly clusters: number,
    /** Log-likelihood per decision (a diagnostic). */
    readonly logLikelihood: number,
  ) {}

  static fromParts(p: CoClusterFitParts): CoClusterFit {
    const index = new Map(p.users.map((u, i) => [u, i]));
    return new CoClusterFit(
      index,
      p.taste,
      p.appeal,
      p.theta,
      p.tasteShare,
      p.appealShare,
      p.clusters,
      p.logLikelihood,
    );
  }

  /** The fit as plain data, to send it between threads (the arrays are not copied). */
  parts(): CoClusterFitParts {
    return {
      users: [...this.index.keys()],
      taste: this.taste,
      appeal: this.appeal,
      theta: this.theta,
      tasteShare: this.tasteShare,
      appealShare: this.appealShare,
      clusters: this.clusters,
      logLikelihood: this.logLikelihood,
    };
  }

  tasteOf(user: string): Float64Array {
    const at = this.index.get(user);
    const k = this.clusters;
    return at === undefined ? this.tasteShare : this.taste.subarray(at * k, at * k + k);
  }

  appealOf(user: string): Float64Array {
    const at = this.index.get(user);
    const k = this.clusters;
    return at === undefined ? this.appealShare : this.appeal.subarray(at * k, at * k + k);
  }

  /** x = T_uᵀ θ (u's like rate per appeal cluster): P(u likes v) = x · A_v. */
  likesOf(user: string): Float64Array {
    const t = this.tasteOf(user);
    const k = this.clusters;
    const x = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      const ti = t[i]!;
      if (ti === 0) continue;
      for (let j = 0; j < k; j++) x[j]! += ti * this.theta[i * k + j]!;
    }
    return x;
  }

  /** y = θ A_u (each taste cluster's like rate for u): P(v likes u) = T_v · y. */
  likedByOf(user: string): Float64Array {
    const a = this.appealOf(user);
    const k = this.clusters;
    const y = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += this.theta[i * k + j]! * a[j]!;
      y[i] = s;
    }
    return y;
  }
}

export function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/** A small deterministic PRNG (mulberry32): the same start on every instance. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Compressed lists: ids of row r are at[start[r] .. start[r + 1]). */
interface Csr {
  readonly start: Int32Array;
  readonly at: Int32Array;
}

function csr(lists: readonly (readonly number[])[]): Csr {
  const start = new Int32Array(lists.length + 1);
  for (let r = 0; r < lists.length; r++) start[r + 1] = start[r]! + lists[r]!.length;
  const at = new Int32Array(start[lists.length]!);
  for (let r = 0; r < lists.length; r++) at.set(lists[r]!, start[r]!);
  return { start, at };
}

/** The decisions of the rows' out-lists (each decision once), both ways round. */
interface Decisions {
  readonly users: readonly string[];
  readonly likes: Csr;
  readonly passes: Csr;
  readonly likedBy: Csr;
  readonly passedBy: Csr;
  readonly count: number;
}

function decisionsOf(rows: Iterable<DecisionRow>): Decisions {
  const byUser = new Map<string, DecisionRow>();
  for (const row of rows) byUser.set(row.user, row);
  const ids = new Set<string>(byUser.keys());
  for (const row of byUser.values()) {
    for (const v of row.liked ?? []) ids.add(v);
    for (const v of row.passed ?? []) ids.add(v);
  }
  const users = [...ids].sort();
  const index = new Map(users.map((u, i) => [u, i]));
  const n = users.length;
  const likes: number[][] = Array.from({ length: n }, () => []);
  const passes: number[][] = Array.from({ length: n }, () => []);
  const likedBy: number[][] = Array.from({ length: n }, () => []);
  const passedBy: number[][] = Array.from({ length: n }, () => []);
  let count = 0;
  for (let u = 0; u < n; u++) {
    const row = byUser.get(users[u]!);
    if (!row) continue;
    for (const x of row.liked ?? []) {
      const v = index.get(x)!;
      likes[u]!.push(v);
      likedBy[v]!.push(u);
      count++;
    }
    for (const x of row.passed ?? []) {
      const v = index.get(x)!;
      passes[u]!.push(v);
      passedBy[v]!.push(u);
      count++;
    }
  }
  return {
    users,
    likes: csr(likes),
    passes: csr(passes),
    likedBy: csr(likedBy),
    passedBy: csr(passedBy),
    count,
  };
}

/** Σ over r's list of the memberships m (n × K) into out (K). */
function sumInto(out: Float64Array, list: Csr, r: number, m: Float64Array, k: number): number {
  out.fill(0);
  const end = list.start[r + 1]!;
  for (let p = list.start[r]!; p < end; p++) {
    const o = list.at[p]! * k;
    for (let j = 0; j < k; j++) out[j]! += m[o + j]!;
  }
  return end - list.start[r]!;
}

/** softmax of logits into m at row r; hard: all of it on the likeliest cluster. */
function softmaxInto(m: Float64Array, r: number, logits: Float64Array, k: number, hard: boolean): void {
  let max = -Infinity;
  let best = 0;
  for (let i = 0; i < k; i++)
    if (logits[i]! > max) {
      max = logits[i]!;
      best = i;
    }
  if (hard) {
    for (let i = 0; i < k; i++) m[r * k + i] = i === best ? 1 : 0;
    return;
  }
  let sum = 0;
  for (let i = 0; i < k; i++) {
    const e = Math.exp(logits[i]! - max);
    m[r * k + i] = e;
    sum += e;
  }
  for (let i = 0; i < k; i++) m[r * k + i]! /= sum;
}

interface State {
  readonly taste: Float64Array;
  readonly appeal: Float64Array;
  readonly theta: Float64Array;
  readonly tasteShare: Float64Array;
  readonly appealShare: Float64Array;
  logLikelihood: number;
}

/** A start for some users: their taste and appeal clusters (e.g. a previous fit's). */
export type ClusterStart = (user: string) => { readonly taste: number; readonly appeal: number } | undefined;

function fitOnce(d: Decisions, config: CoClusterConfig, seed: number, from?: ClusterStart): State {
  const k = config.clusters;
  const n = d.users.length;
  const rand = prng(seed);
  const taste = new Float64Array(n * k);
  const appeal = new Float64Array(n * k);
  // Hard starts (all of a user in one cluster): a nearly uniform start stays at EM's uniform
  // fixed point. The spectral estimate where it has one, else a fixed-seed random cluster.
  const spectral = !from && config.spectral ? spectralStart({ ...d, n }, k, rand) : undefined;
  const startAt = (m: Float64Array, r: number, given: number | undefined) => {
    const c = given !== undefined && given >= 0 ? given % k : Math.floor(rand() * k);
    for (let j = 0; j < k; j++) m[r * k + j] = j === c ? 1 : 0;
  };
  for (let r = 0; r < n; r++) {
    const s = from?.(d.users[r]!);
    startAt(appeal, r, s ? s.appeal : spectral?.appeal[r]);
    startAt(taste, r, s ? s.taste : spectral?.taste[r]);
  }
  const theta = new Float64Array(k * k);
  const logYes = new Float64Array(k * k);
  const logNo = new Float64Array(k * k);
  const tasteShare = new Float64Array(k).fill(1 / k);
  const appealShare = new Float64Array(k).fill(1 / k);
  const yes = new Float64Array(k);
  const no = new Float64Array(k);
  const logits = new Float64Array(k);
  const likeMass = new Float64Array(k * k);
  const allMass = new Float64Array(k * k);
  const { shrinkage: a, prior } = config;
  const mStep = () => {
    likeMass.fill(0);
    allMass.fill(0);
    for (let u = 0; u < n; u++) {
      const nl = sumInto(yes, d.likes, u, appeal, k);
      const np = sumInto(no, d.passes, u, appeal, k);
      if (nl + np === 0) continue;
      for (let i = 0; i < k; i++) {
        const t = taste[u * k + i]!;
        if (t < 1e-9) continue;
        for (let j = 0; j < k; j++) {
          likeMass[i * k + j]! += t * yes[j]!;
          allMass[i * k + j]! += t * (yes[j]! + no[j]!);
        }
      }
    }
    for (let c = 0; c < k * k; c++) {
      const p = (likeMass[c]! + a * prior) / (allMass[c]! + a);
      theta[c] = p;
      logYes[c] = Math.log(p);
      logNo[c] = Math.log(1 - p);
    }
  };
  const shares = (m: Float64Array, out: Float64Array) => {
    out.fill(1);
    for (let r = 0; r < n; r++) for (let i = 0; i < k; i++) out[i]! += m[r * k + i]!;
    let s = 0;
    for (let i = 0; i < k; i++) s += out[i]!;
    for (let i = 0; i < k; i++) out[i]! /= s;
  };
  mStep();
  let ll = 0;
  for (let it = 0; it < config.iterations; it++) {
    // Hard assignments first (classification EM): soft ones from a random start flow back to
    // the uniform fixed point before any structure shows; soft ones then settle the margins.
    const hard = it < config.hardIterations;
    // Taste given appeal.
    ll = 0;
    for (let u = 0; u < n; u++) {
      const nl = sumInto(yes, d.likes, u, appeal, k);
      const np = sumInto(no, d.passes, u, appeal, k);
      if (nl + np === 0) {
        taste.set(tasteShare, u * k);
        continue;
      }
      for (let i = 0; i < k; i++) {
        let s = Math.log(tasteShare[i]!);
        for (let j = 0; j < k; j++) s += yes[j]! * logYes[i * k + j]! + no[j]! * logNo[i * k + j]!;
        logits[i] = s;
      }
      softmaxInto(taste, u, logits, k, hard);
      for (let i = 0; i < k; i++) ll += taste[u * k + i]! * logits[i]!;
    }
    shares(taste, tasteShare);
    // Appeal given taste.
    for (let v = 0; v < n; v++) {
      const nl = sumInto(yes, d.likedBy, v, taste, k);
      const np = sumInto(no, d.passedBy, v, taste, k);
      if (nl + np === 0) {
        appeal.set(appealShare, v * k);
        continue;
      }
      for (let j = 0; j < k; j++) {
        let s = Math.log(appealShare[j]!);
        for (let i = 0; i < k; i++) s += yes[i]! * logYes[i * k + j]! + no[i]! * logNo[i * k + j]!;
        logits[j] = s;
      }
      softmaxInto(appeal, v, logits, k, hard);
    }
    shares(appeal, appealShare);
    mStep();
  }
  return { taste, appeal, theta, tasteShare, appealShare, logLikelihood: d.count > 0 ? ll / d.count : 0 };
}

/** The best of `restarts` fits over the rows' decisions. */
export function fitCoClusters(
  rows: Iterable<DecisionRow>,
  config: CoClusterConfig = defaultCoClusterConfig,
  from?: ClusterStart,
): CoClusterFit {
  const d = decisionsOf(rows);
  let best: State | undefined;
  for (let r = 0; r < Math.max(1, config.restarts); r++) {
    const s = fitOnce(d, config, 0x9e3779b9 + r * 7919, r === 0 ? from : undefined);
    if (!best || s.logLikelihood > best.logLikelihood) best = s;
  }
  const index = new Map(d.users.map((u, i) => [u, i]));
  const s = best!;
  return new CoClusterFit(
    index,
    s.taste,
    s.appeal,
    s.theta,
    s.tasteShare,
    s.appealShare,
    config.clusters,
    s.logLikelihood,
  );
}
