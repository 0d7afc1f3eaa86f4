/** Small, exact statistics: the benchmark keeps every sample, so no histogram approximation. */

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Quantile with linear interpolation between the closest ranks (q in [0, 1]). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return quantileOfSorted(sorted, q);
}

export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below]!;
  const high = sorted[above]!;
  return low + (high - low) * (position - below);
}

/** Collects latencies (ms) without resizing arrays on the hot path. */
export class Samples {
  private data: Float64Array;
  private n = 0;

  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }

  add(value: number): void {
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = value;
  }

  get count(): number {
    return this.n;
  }

  /** p in percent, e.g. 99.9. */
  percentiles(...ps: number[]): number[] {
    const sorted = this.data.slice(0, this.n).sort();
    return ps.map((p) => quantileOfSorted(sorted, p / 100));
  }
}

/** Milliseconds since an arbitrary origin, sub-microsecond resolution. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Epoch milliseconds with sub-millisecond resolution: comparable between processes (the platform
 * scenario's load generator stamps its last write with it, the scenario's process its polls).
 */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}
