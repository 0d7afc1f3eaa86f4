import { pool } from '@showcase/simkit';
import { type Ranking, rankings } from '../ranker.ts';
import type { Scored } from '../top-k.ts';
import { mean, ndcgAtK, recallAtK } from './metrics.ts';
import { candidatesOf, mutualInterest, type SimUser } from './population.ts';

/**
 * The recommender's quality measure, shared by its own simulator and the platform simulator:
 * for every user with at least one mutual-interest user among its unseen candidates, recall@10
 * and NDCG@10 of those users in the top 10 of each ranking of the same service (reciprocal, the
 * service's; one-sided; popularity), and how many recommended users broke the candidate rules
 * or had already been swiped.
 */
export interface RankingScores {
  readonly evaluatedUsers: number;
  readonly rankings: Record<Ranking, { recall10: number; ndcg10: number }>;
  readonly ruleViolations: { outsideRules: number; alreadySwiped: number };
}

export interface EvaluationInput {
  readonly users: readonly SimUser[];
  /** Per user: the candidates it never swiped (held out). */
  readonly unseen: ReadonlyMap<string, readonly SimUser[]>;
  /** `${from}>${to}` of every swipe sent. */
  readonly swiped: ReadonlySet<string>;
  readonly radiusKm: number;
  readonly concurrency: number;
  readonly recommend: (user: string, k: number, radiusKm: number, ranking: Ranking) => Promise<Scored[]>;
}

export async function evaluateRankings(input: EvaluationInput): Promise<RankingScores> {
  const scores = new Map(rankings.map((r) => [r, { recall: [] as number[], ndcg: [] as number[] }]));
  let outsideRules = 0;
  let alreadySwiped = 0;
  let evaluated = 0;
  await pool(input.users, input.concurrency, async (u) => {
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
      const s = scores.get(ranking)!;
      s.recall.push(recallAtK(ranked, relevant, 10));
      s.ndcg.push(ndcgAtK(ranked, relevant, 10));
    }
  });
  return {
    evaluatedUsers: evaluated,
    rankings: Object.fromEntries(
      rankings.map((r) => [r, { recall10: mean(scores.get(r)!.recall), ndcg10: mean(scores.get(r)!.ndcg) }]),
    ) as Record<Ranking, { recall10: number; ndcg10: number }>,
    ruleViolations: { outsideRules, alreadySwiped },
  };
}
