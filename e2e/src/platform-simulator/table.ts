import type { ServiceLoad } from './meter.ts';

/**
 * The platform simulator's one table: each service's quality figure next to its reference, then
 * the load every service took. Reports are read defensively (`figure`): they are the five
 * simulators' own report objects, typed in their packages, not here.
 */
export interface Row {
  readonly name: string;
  /** Numbers only: the integration test checks every row has them. */
  readonly values: readonly number[];
  readonly text: string;
}

/** A number at `path` of a report, NaN when absent. */
export function figure(report: unknown, ...path: string[]): number {
  let at: unknown = report;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, key)) return Number.NaN;
    at = (at as Record<string, unknown>)[key];
  }
  if (typeof at === 'boolean') return at ? 1 : 0;
  return typeof at === 'number' ? at : Number.NaN;
}

const f = (n: number, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));

export interface Reports {
  readonly 'anti-spam': unknown;
  readonly 'edge-set': unknown;
  readonly 'match-search': unknown;
  readonly recommender: unknown;
  readonly segmentation: unknown;
}

export function qualityRows(r: Reports): Row[] {
  const spam = [
    figure(r['anti-spam'], 'detection', 'precision'),
    figure(r['anti-spam'], 'detection', 'recall'),
  ];
  const queries = figure(r['match-search'], 'queries');
  const exact = figure(r['match-search'], 'exactAnswers');
  const search = [
    exact / queries,
    figure(r['match-search'], 'precision'),
    figure(r['match-search'], 'recall'),
  ];
  const edges = [
    figure(r['edge-set'], 'oracle', 'equal'),
    figure(r['edge-set'], 'oracle', 'observedEdges'),
    figure(r['edge-set'], 'oracle', 'edges'),
  ];
  const recs = [
    figure(r.recommender, 'rankings', 'reciprocal', 'recall10'),
    figure(r.recommender, 'rankings', 'popularity', 'recall10'),
    figure(r.recommender, 'ratios', 'recallVsPopularity'),
  ];
  const checkpoints = (() => {
    const list = (r.segmentation as { checkpoints?: unknown } | undefined)?.checkpoints;
    return Array.isArray(list) ? list : [];
  })();
  const lastBefore = checkpoints.filter((c) => (c as { phase?: unknown }).phase === 'before').at(-1);
  const last = checkpoints.at(-1);
  const seg = [
    figure(lastBefore, 'ari'),
    figure(lastBefore, 'batchAri'),
    figure(last, 'ari'),
    figure(last, 'batchAri'),
  ];
  return [
    { name: 'anti-spam', values: spam, text: `precision ${f(spam[0]!)}  recall ${f(spam[1]!)}` },
    {
      name: 'match-search',
      values: search,
      text: `exact answers vs brute force ${f(search[0]!)} (${exact}/${queries})  precision ${f(search[1]!)}  recall ${f(search[2]!)}`,
    },
    {
      name: 'edge-set',
      values: edges,
      text: `equal to batch oracle: ${edges[0] === 1 ? 'yes' : 'no'}  edges ${edges[1]} observed / ${edges[2]} expected`,
    },
    {
      name: 'recommender',
      values: recs,
      text: `recall@10 ${f(recs[0]!)} vs popularity ${f(recs[1]!)}  (${f(recs[2]!, 2)}×)`,
    },
    {
      name: 'segmentation',
      values: seg,
      text: `ARI ${f(seg[0]!)} vs batch k-means ${f(seg[1]!)} before drift; ${f(seg[2]!)} vs ${f(seg[3]!)} at the end`,
    },
  ];
}

export function loadRows(load: readonly ServiceLoad[]): Row[] {
  return load.map((l) => ({
    name: `${l.service} load`,
    values: [l.perSecond, l.p50Ms, l.p99Ms, l.requests],
    text: `${f(l.perSecond, 1)} req/s  p50 ${f(l.p50Ms, 1)} ms  p99 ${f(l.p99Ms, 1)} ms  (${l.requests} requests, ${l.failed} 5xx/failed)`,
  }));
}

export function renderTable(rows: readonly Row[]): string {
  const width = Math.max(...rows.map((r) => r.name.length));
  const rule = '-'.repeat(width + 2 + Math.max(...rows.map((r) => r.text.length)));
  return [rule, ...rows.map((r) => `${r.name.padEnd(width)}  ${r.text}`), rule].join('\n');
}
