/**
 * The peer comparison: for each compared figure, this project's median, Goka's median and their
 * ratio (ours / Goka's), in the report's JSON and as a table of its own under the main one.
 */
import { formatNumber, type Row } from '../report.ts';
import type { Comparison } from './workloads.ts';

export interface PeerComparison {
  readonly scenario: string;
  /** This project's figure, as named in the scenario's rows. */
  readonly figure: string;
  readonly unit: string;
  /** Medians of the repetitions; null when a side was not measured (see note). */
  readonly ours: number | null;
  readonly goka: number | null;
  readonly oursRepetitions: number[];
  readonly gokaRepetitions: number[];
  /** ours / goka: below 1 is slower for rates, above 1 is bigger for memory. */
  readonly ratio: number | null;
  readonly better: Comparison['better'];
  readonly note?: string;
}

export interface PeersReport {
  /** e.g. "github.com/lovoo/goka v1.1.16 (go1.26.8 linux/amd64)"; null when skipped. */
  readonly peer: string | null;
  /** Why the peer did not run at all (e.g. no Go on this machine). */
  readonly skipped?: string;
  readonly comparisons: PeerComparison[];
}

/** One comparison per Comparison whose scenario ran. */
export function comparePeers(
  rows: readonly Row[],
  sides: ReadonlyMap<string, { readonly comparisons: readonly Comparison[] }>,
): PeerComparison[] {
  const result: PeerComparison[] = [];
  for (const [scenario, side] of sides) {
    if (!rows.some((r) => r.scenario === scenario)) continue; // not selected in this run
    for (const c of side.comparisons) {
      const ours = rows.find((r) => r.scenario === scenario && r.figure === c.figure);
      const goka = rows.find((r) => r.scenario === scenario && r.figure === c.peerFigure);
      const oursValue = ours?.value ?? null;
      const gokaValue = goka?.value ?? null;
      const notes = [
        ours?.note ? `this project: ${ours.note}` : undefined,
        goka?.note ? `Goka: ${goka.note}` : undefined,
        !ours || !goka ? 'not measured' : undefined,
      ].filter((n): n is string => n !== undefined);
      result.push({
        scenario,
        figure: c.figure,
        unit: ours?.unit ?? goka?.unit ?? '',
        ours: oursValue,
        goka: gokaValue,
        oursRepetitions: ours?.repetitions ?? [],
        gokaRepetitions: goka?.repetitions ?? [],
        ratio: oursValue !== null && gokaValue !== null && gokaValue !== 0 ? oursValue / gokaValue : null,
        better: c.better,
        ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
      });
    }
  }
  return result;
}

const spread = (values: readonly number[]) => values.map(formatNumber).join(' / ') || '-';

export function formatPeerTable(report: PeersReport): string {
  if (report.skipped) return `Goka peer skipped: ${report.skipped}`;
  const header = [
    'scenario',
    'figure',
    'unit',
    'this project',
    'Goka (Go)',
    'ratio',
    'runs: this project',
    'runs: Goka',
  ];
  const body = report.comparisons.map((c) => [
    c.scenario,
    c.figure,
    c.unit,
    formatNumber(c.ours),
    formatNumber(c.goka),
    c.ratio === null ? '-' : `${c.ratio.toFixed(2)}x`,
    spread(c.oursRepetitions),
    spread(c.gokaRepetitions),
  ]);
  const numeric = new Set([3, 4, 5]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const notes = report.comparisons
    .filter((c) => c.note)
    .map((c) => `  ${c.scenario} / ${c.figure}: ${c.note}`);
  return [
    `this project vs ${report.peer} — ratio = this project / Goka (rates: < 1 is slower; MiB: > 1 is bigger)`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    ...(notes.length > 0 ? ['', 'notes:', ...notes] : []),
  ].join('\n');
}
