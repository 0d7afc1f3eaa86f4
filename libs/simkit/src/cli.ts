/**
 * Numeric command-line options of simulators and benches: a value outside its range fails before
 * anything starts (a broker, five services), naming the option, the range and what was given.
 */
export function optionNumber(name: string, raw: string | undefined, min: number, max: number): number {
  const n = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new Error(`--${name} must be a number in [${min}, ${max}] (got "${raw ?? ''}")`);
  return n;
}

/** As `optionNumber`, for whole numbers. */
export function optionInt(name: string, raw: string | undefined, min: number, max: number): number {
  const n = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`--${name} must be an integer in [${min}, ${max}] (got "${raw ?? ''}")`);
  return n;
}
