/**
 * Adjusted Rand index (Hubert & Arabie 1985) of two labelings of the same items: 1 = the same
 * partition, ~0 = chance agreement. Labels are compared only for equality (Map keys).
 */
export function adjustedRandIndex(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  if (a.length !== b.length) throw new RangeError('adjustedRandIndex: labelings differ in length');
  const n = a.length;
  if (n < 2) return 1;
  const pairs = (k: number) => (k * (k - 1)) / 2;
  const cells = new Map<string, number>();
  const rows = new Map<string | number, number>();
  const cols = new Map<string | number, number>();
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const cell = `${typeof x}:${x}\u0000${typeof y}:${y}`;
    cells.set(cell, (cells.get(cell) ?? 0) + 1);
    rows.set(x, (rows.get(x) ?? 0) + 1);
    cols.set(y, (cols.get(y) ?? 0) + 1);
  }
  let index = 0;
  for (const c of cells.values()) index += pairs(c);
  let sumA = 0;
  for (const r of rows.values()) sumA += pairs(r);
  let sumB = 0;
  for (const c of cols.values()) sumB += pairs(c);
  const expected = (sumA * sumB) / pairs(n);
  const max = (sumA + sumB) / 2;
  if (max === expected) return 1;
  return (index - expected) / (max - expected);
}
