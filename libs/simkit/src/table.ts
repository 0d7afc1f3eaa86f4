/**
 * Plain-text tables as simulators and benches print them: columns as wide as their widest cell,
 * two spaces apart, numbers right-aligned where asked, an optional rule under the head. One
 * helper instead of a hand-counted padEnd/padStart per column in every simulator (widths that
 * drift from the head as soon as a figure grows a digit).
 */
export interface TableOptions {
  /** Column indices whose cells are right-aligned (numbers); the rest are left-aligned. */
  readonly right?: readonly number[];
  /** A line of dashes under the head (default true). */
  readonly rule?: boolean;
}

export function textTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string[] {
  const right = new Set(options.right ?? []);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    widths
      .map((w, i) => (right.has(i) ? (cells[i] ?? '').padStart(w) : (cells[i] ?? '').padEnd(w)))
      .join('  ')
      .trimEnd();
  return [
    line(head),
    ...(options.rule === false ? [] : [widths.map((w) => '-'.repeat(w)).join('  ')]),
    ...rows.map(line),
  ];
}
