import type { ModelRow } from './model.ts';

/** Totals of the learned model: how much it has learned, how many steps it refused. */
export interface ModelStats {
  readonly users: number;
  readonly given: number;
  readonly received: number;
  readonly likesReceived: number;
  readonly rejected: number;
}

/** Sums the model rows (the model mirror's entries). */
export function modelStats(rows: Iterable<[string, ModelRow]>): ModelStats {
  const totals = { users: 0, given: 0, received: 0, likesReceived: 0, rejected: 0 };
  for (const [, row] of rows) {
    totals.users++;
    totals.given += row.given;
    totals.received += row.received;
    totals.likesReceived += row.likesReceived;
    totals.rejected += row.rejected;
  }
  return totals;
}
