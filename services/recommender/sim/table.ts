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
  const head =
    'after            users  reciprocal  one-sided  popularity  truth-1-sided  truth-recipr.  ' +
    'rec/pop  rec/truth-1  rec/ceiling';
  const lines = [head];
  for (const r of rows) {
    const x = r.scores.rankings;
    const t = r.scores.truth;
    const rec = x.reciprocal.recall10;
    lines.push(
      [
        r.label.padEnd(16),
        String(r.scores.evaluatedUsers).padStart(5),
        f(rec).padStart(10),
        f(x['one-sided'].recall10).padStart(9),
        f(x.popularity.recall10).padStart(10),
        f(t?.['truth-one-sided'].recall10 ?? Number.NaN).padStart(13),
        f(t?.['truth-reciprocal'].recall10 ?? Number.NaN).padStart(13),
        `${f(rec / x.popularity.recall10, 2)}×`.padStart(7),
        `${f(rec / (t?.['truth-one-sided'].recall10 ?? Number.NaN), 2)}×`.padStart(11),
        `${f(rec / (t?.['truth-reciprocal'].recall10 ?? Number.NaN), 2)}×`.padStart(11),
      ].join('  '),
    );
  }
  return lines;
}
