import type { ServiceLoad } from './meter.ts';
import type {
  AntiSpamQuality,
  EdgeSetQuality,
  MatchSearchQuality,
  RecommenderQuality,
  SegmentationQuality,
} from './quality.ts';

/**
 * The platform simulator's one table: each service's quality figure next to its reference, then
 * the load every service took during the traffic.
 */
export interface Row {
  readonly name: string;
  /** Numbers only: the integration test reads them from the JSON. */
  readonly values: readonly number[];
  readonly text: string;
}

export interface Quality {
  readonly antiSpam: AntiSpamQuality;
  readonly matchSearch: MatchSearchQuality;
  readonly edgeSet: EdgeSetQuality;
  readonly recommender: RecommenderQuality;
  readonly segmentation: SegmentationQuality;
}

const f = (n: number, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));
const unsettled = (settled: boolean) => (settled ? '' : '  (not settled by the deadline)');

export function qualityRows(q: Quality): Row[] {
  const d = q.antiSpam.detection;
  const m = q.matchSearch;
  const e = q.edgeSet;
  const r = q.recommender.rankings;
  const t = q.recommender.truth;
  const s = q.segmentation;
  return [
    {
      name: 'anti-spam',
      values: [d.precision, d.recall, d.tp, d.fp, d.fn],
      text: `precision ${f(d.precision)}  recall ${f(d.recall)}  (${d.tp} of ${q.antiSpam.spammers} spammers blocked, ${d.fp} normal users blocked)${unsettled(q.antiSpam.settled)}`,
    },
    {
      name: 'match-search',
      values: [m.exact / m.queries, m.precision, m.recall, m.expectedRows],
      text: `exact answers vs brute force ${f(m.exact / m.queries)} (${m.exact}/${m.queries} queries, ${m.expectedRows} rows)  precision ${f(m.precision)}  recall ${f(m.recall)}`,
    },
    {
      name: 'edge-set',
      values: [e.equal ? 1 : 0, e.observedEdges, e.edges, e.observedMatches, e.matches],
      text: `equal to batch oracle: ${e.equal ? 'yes' : 'no'}  edges ${e.observedEdges}/${e.edges}  matches ${e.observedMatches}/${e.matches}`,
    },
    {
      name: 'recommender',
      values: [
        r.reciprocal.recall10,
        r.popularity.recall10,
        q.recommender.recallVsPopularity,
        q.recommender.evaluatedUsers,
      ],
      text: `recall@10 ${f(r.reciprocal.recall10)} vs popularity ${f(r.popularity.recall10)} (${f(q.recommender.recallVsPopularity, 2)}×), one-sided ${f(r['one-sided'].recall10)}, truth one-sided ${f(t?.['truth-one-sided'].recall10 ?? Number.NaN)}, truth reciprocal (ceiling) ${f(t?.['truth-reciprocal'].recall10 ?? Number.NaN)}  (${q.recommender.evaluatedUsers} users)`,
    },
    {
      name: 'segmentation',
      values: [s.ari, s.batchAri, s.segments, s.assigned],
      text: `ARI ${f(s.ari)} vs batch k-means (true k) ${f(s.batchAri)}  ${s.segments} segments learned, ${s.assigned}/${s.users} users assigned${unsettled(s.settled)}`,
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
