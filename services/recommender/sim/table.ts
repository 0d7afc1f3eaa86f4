import { textTable } from '@showcase/simkit';
import type { RankingScores } from './evaluate.ts';

const f = (n: number, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

/** One evaluation: after `swipesPerUser` rounds, for the warm or the cold users. */
export interface CheckpointRow {
  readonly label: string;
  readonly swipesPerUser: number;
  readonly users: 'warm' | 'cold';
  readonly scores: RankingScores;
}

/** The four (five) rankings side by side, one line per checkpoint. */
export function formatTable(rows: readonly CheckpointRow[]): string[] {
  const head = ['after', 'users', 'reciprocal', 'one-sided', 'popularity', 'truth-1-sided', 'truth-recipr.'];
  const ratios = ['rec/pop', 'rec/truth-1', 'rec/ceiling'];
  const body = rows.map((r) => {
    const x = r.scores.rankings;
    const t = r.scores.truth;
    const rec = x.reciprocal.recall10;
    const truthOne = t?.['truth-one-sided'].recall10 ?? Number.NaN;
    const truthBoth = t?.['truth-reciprocal'].recall10 ?? Number.NaN;
    return [
      r.label,
      String(r.scores.evaluatedUsers),
      ...[rec, x['one-sided'].recall10, x.popularity.recall10, truthOne, truthBoth].map((n) => f(n)),
      ...[rec / x.popularity.recall10, rec / truthOne, rec / truthBoth].map((n) => `${f(n, 2)}×`),
    ];
  });
  return textTable([...head, ...ratios], body, { right: [1, 2, 3, 4, 5, 6, 7, 8, 9], rule: false });
}
