/** The rows of the report, how they are computed from repetitions, and how they are printed. */
import type { FigureSpec, Measurements, Scenario } from './scenario.ts';
import { median } from './stats.ts';

export interface Row {
  readonly scenario: string;
  readonly figure: string;
  readonly unit: string;
  /** Median over the repetitions; null when the figure could not be measured (see note). */
  readonly value: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** The comparison figure's median (raw kafkajs, raw LevelDB, a bare route, …), if any. */
  readonly baseline: number | null;
  /** value / baseline. */
  readonly ratio: number | null;
  readonly parameters: Record<string, unknown>;
  /** Every repetition's value, in run order. */
  readonly repetitions: number[];
  readonly note?: string;
}

/** Per-variant lists of what each repetition measured. */
export type Runs = Map<string, Measurements[]>;

export function scenarioRows(
  scenario: Scenario,
  runs: Runs,
  parameters: Record<string, unknown>,
  earlier: readonly Row[],
  notes: Map<string, string>,
): Row[] {
  const valuesOf = (variant: string, measure: string) =>
    (runs.get(variant) ?? [])
      .map((m) => m[measure])
      .filter((v): v is number => v !== undefined && Number.isFinite(v));
  return scenario.figures.map((spec: FigureSpec): Row => {
    const values = valuesOf(spec.variant, spec.measure);
    let baseline: number | null = null;
    if (spec.baseline && 'variant' in spec.baseline) {
      const b = valuesOf(spec.baseline.variant, spec.baseline.measure);
      baseline = b.length > 0 ? median(b) : null;
    } else if (spec.baseline) {
      const { scenario: other, figure } = spec.baseline;
      baseline = earlier.find((r) => r.scenario === other && r.figure === figure)?.value ?? null;
    }
    const value = values.length > 0 ? median(values) : null;
    const note = notes.get(spec.variant) ?? (values.length === 0 ? 'not measured' : undefined);
    return {
      scenario: scenario.name,
      figure: spec.figure,
      unit: spec.unit,
      value,
      min: values.length > 0 ? Math.min(...values) : null,
      max: values.length > 0 ? Math.max(...values) : null,
      baseline,
      ratio: value !== null && baseline !== null && baseline !== 0 ? value / baseline : null,
      parameters,
      repetitions: values,
      ...(note ? { note } : {}),
    };
  });
}

/** A row standing for a whole scenario that did not run. */
export function skippedRow(scenario: Scenario, parameters: Record<string, unknown>, note: string): Row {
  return {
    scenario: scenario.name,
    figure: '(skipped)',
    unit: '',
    value: null,
    min: null,
    max: null,
    baseline: null,
    ratio: null,
    parameters,
    repetitions: [],
    note,
  };
}

export function formatNumber(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '-';
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

export function formatTable(rows: readonly Row[]): string {
  const header = ['scenario', 'figure', 'unit', 'median', 'min', 'max', 'baseline', 'ratio'];
  const body = rows.map((r) => [
    r.scenario,
    r.figure,
    r.unit,
    r.value === null ? 'n/a' : formatNumber(r.value),
    formatNumber(r.min),
    formatNumber(r.max),
    formatNumber(r.baseline),
    r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`,
  ]);
  const numeric = new Set([3, 4, 5, 6, 7]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) && rows.length > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ');
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.scenario} / ${r.figure}: ${r.note}`);
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    ...(notes.length > 0 ? ['', 'notes:', ...notes] : []),
  ].join('\n');
}
