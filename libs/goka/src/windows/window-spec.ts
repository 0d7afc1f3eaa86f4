/**
 * Time windows over record timestamps, as Kafka Streams' `TimeWindows` and Faust's
 * `.tumbling()`/`.hopping()`: windows are `[start, start + size)`, starts are epoch-aligned
 * multiples of `advance` (tumbling: `advance = size`), so every instance and every restart
 * agrees on them.
 */
export interface WindowSpec {
  readonly size: number;
  readonly advance: number;
  /** How long after its end a window still takes late records; it closes at `end + grace`. */
  readonly grace: number;
  /** How long after its end a window stays readable (≥ grace); then it is dropped from the row. */
  readonly retention: number;
}

export interface Window {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

export interface WindowOptions {
  readonly grace?: number;
  readonly retention?: number;
}

function positive(what: string, n: number): number {
  if (!Number.isSafeInteger(n) || n <= 0) throw new TypeError(`${what} must be a positive integer of ms`);
  return n;
}

function spec(size: number, advance: number, options: WindowOptions): WindowSpec {
  positive('window size', size);
  positive('window advance', advance);
  if (advance > size) throw new TypeError('window advance must not exceed its size (gaps lose records)');
  const grace = options.grace ?? 0;
  if (!Number.isSafeInteger(grace) || grace < 0) throw new TypeError('grace must be ≥ 0 ms');
  const retention = options.retention ?? grace;
  if (!Number.isSafeInteger(retention) || retention < grace) {
    throw new TypeError('retention must be ≥ grace: a window is readable at least until it closes');
  }
  return Object.freeze({ size, advance, grace, retention });
}

/** Back-to-back windows of `size` ms; each record falls in exactly one. */
export function tumbling(size: number, options: WindowOptions = {}): WindowSpec {
  return spec(size, size, options);
}

/** Windows of `size` ms starting every `advance` ms; each record falls in `size / advance` of them. */
export function hopping(size: number, advance: number, options: WindowOptions = {}): WindowSpec {
  return spec(size, advance, options);
}

/** The starts of the windows that contain `timestamp`, oldest first. */
export function windowStarts(s: WindowSpec, timestamp: number): number[] {
  const last = Math.floor(timestamp / s.advance) * s.advance;
  const starts: number[] = [];
  for (let start = last; start > timestamp - s.size; start -= s.advance) starts.unshift(start);
  return starts;
}
