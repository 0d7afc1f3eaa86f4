import { pool } from '@showcase/simkit';
import { type Ranking, rankings } from '../src/ranker.ts';
import type { Scored } from '../src/top-k.ts';
import { mean, ndcgAtK, recallAtK } from './metrics.ts';
import { candidatesOf, likeProbability, mutualInterest, type SimUser } from './population.ts';

/**
 * The recommender's quality measure, shared by its own simulator and the platform simulator:
 * for every user with at least one mutual-interest user among its unseen candidates, recall@10
 * and NDCG@10 of those users in the top 10 of each ranking of the same service (reciprocal, the
 * service's; one-sided; popularity), and how many recommended users broke the candidate rules
 * or had already been swiped.
 *
 * With `truth`, two more rankings of the same unseen candidates are computed from the planted
 * tastes, not asked of the service: the ground-truth one-sided ranking (the caller's true
 * P(like), nothing about the other side: the best any one-sided model can do) and the
 * ground-truth reciprocal ranking (true P(u likes v) · P(v likes u): the ceiling).
 */
export const truthRankings = ['truth-one-sided', 'truth-reciprocal'] as const;
export type TruthRanking = (typeof truthRankings)[number];
export type Figures = { recall10: number; ndcg10: number };

export interface RankingScores {
  readonly evaluatedUsers: number;
  readonly rankings: Record<Ranking, Figures>;
  /** Present when the input had `truth`. */
  readonly truth?: Record<TruthRanking, Figures>;
  readonly ruleViolations: { outsideRules: number; alreadySwiped: number };
}

/** What the truth rankings need of the population's planted tastes. */
export interface PlantedTastes {
  readonly likePreferred: number;
  readonly likeOther: number;
}

export interface EvaluationInput {
  readonly users: readonly SimUser[];
  /** Only these callers are evaluated (default: all); `users` stays the whole population. */
  readonly callers?: readonly SimUser[];
  /** Per user: the candidates it never swiped (held out). */
  readonly unseen: ReadonlyMap<string, readonly SimUser[]>;
  /** `${from}>${to}` of every swipe sent. */
  readonly swiped: ReadonlySet<string>;
  readonly radiusKm: number;
  readonly concurrency: number;
  readonly recommend: (user: string, k: number, radiusKm: number, ranking: Ranking) => Promise<Scored[]>;
  readonly truth?: PlantedTastes;
}

/** The k best of `unseen` by a known score; ties by id, as the service breaks them. */
function topByTruth(unseen: readonly SimUser[], score: (v: SimUser) => number, k: number): string[] {
  return unseen
    .map((v) => ({ id: v.id, s: score(v) }))
    .sort((a, b) => b.s - a.s || (a.id < b.id ? -1 : 1))
    .slice(0, k)
    .map((x) => x.id);
}

export async function evaluateRankings(input: EvaluationInput): Promise<RankingScores> {
  const names: string[] = [...rankings, ...(input.truth ? truthRankings : [])];
  const scores = new Map(names.map((r) => [r, { recall: [] as number[], ndcg: [] as number[] }]));
  let outsideRules = 0;
  let alreadySwiped = 0;
  let evaluated = 0;
  const record = (name: string, ranked: readonly string[], relevant: ReadonlySet<string>) => {
    const s = scores.get(name)!;
    s.recall.push(recallAtK(ranked, relevant, 10));
    s.ndcg.push(ndcgAtK(ranked, relevant, 10));
  };
  await pool(input.callers ?? input.users, input.concurrency, async (u) => {
    const unseen = input.unseen.get(u.id) ?? [];
    const relevant = new Set(unseen.filter((v) => mutualInterest(u, v)).map((v) => v.id));
    if (relevant.size === 0) return;
    evaluated++;
    const allowed = new Set(candidatesOf(u, input.users, input.radiusKm).map((v) => v.id));
    for (const ranking of rankings) {
      const items = await input.recommend(u.id, 10, input.radiusKm, ranking);
      const ranked = items.map((i) => i.user);
      for (const v of ranked) {
        if (!allowed.has(v)) outsideRules++;
        else if (input.swiped.has(`${u.id}>${v}`)) alreadySwiped++;
      }
      record(ranking, ranked, relevant);
    }
    const truth = input.truth;
    if (truth) {
      const o = { ...truth, users: 0, kinds: 0, preferred: 0, radiusKm: 0, prefix: '' };
      record(
        'truth-one-sided',
        topByTruth(unseen, (v) => likeProbability(u, v, o), 10),
        relevant,
      );
      record(
        'truth-reciprocal',
        topByTruth(unseen, (v) => likeProbability(u, v, o) * likeProbability(v, u, o), 10),
        relevant,
      );
    }
  });
  const figures = (r: string): Figures => ({
    recall10: mean(scores.get(r)!.recall),
    ndcg10: mean(scores.get(r)!.ndcg),
  });
  return {
    evaluatedUsers: evaluated,
    rankings: Object.fromEntries(rankings.map((r) => [r, figures(r)])) as Record<Ranking, Figures>,
    ...(input.truth
      ? {
          truth: Object.fromEntries(truthRankings.map((r) => [r, figures(r)])) as Record<
            TruthRanking,
            Figures
          >,
        }
      : {}),
    ruleViolations: { outsideRules, alreadySwiped },
  };
}
