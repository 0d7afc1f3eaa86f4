import { type Location, mutuallyCompatible, type Profile } from '@showcase/contracts';
import { Affinity, type AffinityConfig, defaultAffinityConfig } from './affinity.ts';
import type { CandidateIndex } from './candidate-index.ts';
import { type CoClusterFit, dot } from './co-clusters.ts';
import { emptyRow, type LearnerConfig, likeProbability, type ModelRow } from './model.ts';
import { type Scored, TopK } from './top-k.ts';

/**
 * P(u likes v) is a blend of the factorisation and the neighbourhood signals (affinity.ts):
 * `neighbourWeight` × neighbourhood + (1 − neighbourWeight) × factorisation; then, once the
 * co-clustering (co-clusters.ts) has a fit, `clusterWeight` × its estimate + the rest × that
 * blend. P(v likes u) alike.
 * - `reciprocal` (default): harmonic mean of P(u likes v) and P(v likes u), plus exploration;
 * - `one-sided`: P(u likes v) alone (the same model, one direction: a baseline);
 * - `popularity`: likes received (a baseline, also what a model without taste would do).
 */
export const rankings = ['reciprocal', 'one-sided', 'popularity'] as const;
export type Ranking = (typeof rankings)[number];

/**
 * The neighbourhood decides; the factorisation's 0.5 % orders what the lists cannot tell apart
 * (no evidence on either side: new users, or a model learned before the lists existed). On the
 * issue24 preset offline (recall@10 after 50 swipes), 0.5 gave 0.29, 0.95 0.30, 1 0.36.
 */
export const defaultNeighbourWeight = 0.995;

/** Chosen offline (README, issue 24's co-clustering). */
export const defaultClusterWeight = 0.5;

export interface RankerConfig {
  /** Share of the k slots reserved for new candidates: floor(k × share). */
  readonly exploreShare: number;
  /** A candidate is new while it has received fewer interactions than this. */
  readonly exploreMinReceived: number;
  /** Share of the neighbourhood signals in each direction's probability (default 0.995). */
  readonly neighbourWeight?: number;
  readonly affinity?: AffinityConfig;
  /**
   * Share of the co-clustering (co-clusters.ts) in each direction's probability, against the
   * blend of neighbourhood and factorisation above (0 = not used).
   */
  readonly clusterWeight?: number;
}

/** What the ranker needs of a user: only users with a profile and a location are candidates. */
export interface Searchable {
  readonly profile: Profile;
  readonly location: Location;
}

/** Synchronous reads of a table kept in memory (goka's TableMirror in the service). */
export interface Rows<M> {
  get(key: string): M | undefined;
  /** Resolves once the rows are loaded. */
  ready(): Promise<void>;
}

export interface RankerSources {
  readonly users: Rows<Searchable>;
  readonly model: Rows<ModelRow>;
  /** Users blocked by anti-spam (only blocked ones have a row). */
  readonly spamBlocked: Rows<true>;
  /** Users the pair table excludes for `user` (exclusions.ts). */
  readonly exclusions: (user: string) => Promise<ReadonlySet<string>>;
  readonly index: CandidateIndex;
  /** The latest co-clustering of the model rows (cluster-fitter.ts), if any. */
  readonly clusters?: () => CoClusterFit | undefined;
}

export interface RankQuery {
  readonly k: number;
  readonly radiusKm: number;
  readonly ranking?: Ranking;
}

export type RankResult =
  | { readonly ok: true; readonly items: Scored[]; readonly candidates: number }
  | { readonly ok: false; readonly reason: 'incomplete-profile' };

/** Harmonic mean: high only when both are; 0 when either is 0. */
export function harmonicMean(p: number, q: number): number {
  return p + q > 0 ? (2 * p * q) / (p + q) : 0;
}

export class Ranker {
  /** Initial rows of users the learner has not seen yet: a pure function of the id, so cached. */
  private readonly initial = new Map<string, ModelRow>();

  constructor(
    private readonly sources: RankerSources,
    private readonly learner: LearnerConfig,
    private readonly config: RankerConfig,
  ) {}

  private rowOf(user: string): ModelRow {
    const learned = this.sources.model.get(user);
    if (learned) return learned;
    let row = this.initial.get(user);
    if (!row) {
      if (this.initial.size >= 100_000) this.initial.clear();
      row = emptyRow(user, this.learner);
      this.initial.set(user, row);
    }
    return row;
  }

  async ready(): Promise<void> {
    const { users, model, spamBlocked } = this.sources;
    await Promise.all([users.ready(), model.ready(), spamBlocked.ready()]);
  }

  async rank(user: string, query: RankQuery): Promise<RankResult> {
    await this.ready();
    const { users, model, spamBlocked, exclusions, index } = this.sources;
    const me = users.get(user);
    if (!me) return { ok: false, reason: 'incomplete-profile' };
    const excluded = await exclusions(user);
    const ranking = query.ranking ?? 'reciprocal';
    const mine = this.rowOf(user);
    const explore = ranking === 'reciprocal' ? Math.floor(query.k * this.config.exploreShare) : 0;
    const best = new TopK(query.k);
    const fresh = new TopK(explore);
    const mix = ranking === 'popularity' ? 0 : (this.config.neighbourWeight ?? defaultNeighbourWeight);
    const affinity =
      mix > 0
        ? new Affinity(mine, (x) => model.get(x), this.config.affinity ?? defaultAffinityConfig)
        : undefined;
    // Candidates first, scores second: the refinement of the neighbourhood signals needs them all.
    const found: string[] = [];
    const learned: ModelRow[] = [];
    index.visitWithin(me.location, query.radiusKm, (other) => {
      if (other === user || excluded.has(other) || spamBlocked.get(other)) return;
      const them = users.get(other);
      if (!them || !mutuallyCompatible(me.profile, them.profile)) return;
      found.push(other);
      const row = model.get(other);
      if (row) learned.push(row);
    });
    affinity?.refine(learned);
    const cw = ranking === 'popularity' ? 0 : (this.config.clusterWeight ?? 0);
    const fit = cw > 0 ? this.sources.clusters?.() : undefined;
    const likes = fit?.likesOf(user);
    const likedBy = ranking === 'reciprocal' ? fit?.likedByOf(user) : undefined;
    for (const other of found) {
      const row = model.get(other);
      let score: number;
      if (ranking === 'popularity') score = row?.likesReceived ?? 0;
      else {
        const theirs = row ?? this.rowOf(other);
        let p = likeProbability(mine.taste, mine.tasteBias, theirs.appeal, theirs.appealBias, this.learner);
        if (affinity) p = mix * affinity.forward(row) + (1 - mix) * p;
        if (fit && likes) p = cw * dot(likes, fit.appealOf(other)) + (1 - cw) * p;
        if (ranking === 'one-sided') score = p;
        else {
          let q = likeProbability(theirs.taste, theirs.tasteBias, mine.appeal, mine.appealBias, this.learner);
          if (affinity) q = mix * affinity.reverse(row) + (1 - mix) * q;
          if (fit && likedBy) q = cw * dot(fit.tasteOf(other), likedBy) + (1 - cw) * q;
          score = harmonicMean(p, q);
        }
      }
      const item = { user: other, score };
      best.offer(item);
      if (explore > 0 && (row?.received ?? 0) < this.config.exploreMinReceived) fresh.offer(item);
    }
    return {
      ok: true,
      items: withExploration(best.toArray(), fresh.toArray(), query.k),
      candidates: found.length,
    };
  }
}

/**
 * The new candidates of `fresh` take the last slots of `best` unless they are in it already,
 * then everything is ordered by score again (the answer stays best first).
 */
export function withExploration(best: Scored[], fresh: Scored[], k: number): Scored[] {
  if (fresh.length === 0) return best;
  const chosen = new Set(best.map((s) => s.user));
  const extra = fresh.filter((s) => !chosen.has(s.user));
  if (extra.length === 0) return best;
  const keep = best.slice(0, Math.max(0, k - extra.length));
  return [...keep, ...extra].sort((a, b) => b.score - a.score || (a.user < b.user ? -1 : 1));
}
