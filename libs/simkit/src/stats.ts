/** The statistics simulators report: exact quantiles (linear interpolation), summaries, precision/recall. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const low = sorted[lo] as number;
  return low + ((sorted[hi] as number) - low) * (pos - lo);
}

export interface Summary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export function summary(values: readonly number[]): Summary {
  let max = Number.NaN;
  let sum = 0;
  for (const v of values) {
    if (!(v <= max)) max = v;
    sum += v;
  }
  return {
    count: values.length,
    p50: quantile(values, 0.5),
    p95: quantile(values, 0.95),
    p99: quantile(values, 0.99),
    max,
    mean: values.length ? sum / values.length : Number.NaN,
  };
}

export interface Classification {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

/** Precision and recall are 1 when nothing was predicted / nothing was there to find. */
export function classification(tp: number, fp: number, fn: number): Classification {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { tp, fp, fn, precision, recall, f1 };
}
