/**
 * The closing line of `npm test` (and so of CI): vitest's JSON reports summed into
 * `Tests: <passed> passed, <failed> failed, <skipped> skipped`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';

/** The fields of vitest's JSON reporter that the summary needs (Jest-compatible names). */
export interface VitestJsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  success: boolean;
  testResults: { name: string; status: string; message?: string; assertionResults: { status: string }[] }[];
}

export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
  reports: number;
  /** Test files that failed outside any test (load error, failing hook): each counts as one failure. */
  brokenFiles: { file: string; message: string }[];
}

/** Sums vitest JSON reports; a skipped or todo test counts as skipped. */
export function sumReports(reports: VitestJsonReport[]): Totals {
  const totals: Totals = { passed: 0, failed: 0, skipped: 0, reports: reports.length, brokenFiles: [] };
  for (const report of reports) {
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests;
    totals.skipped += report.numPendingTests + report.numTodoTests;
    for (const file of report.testResults) {
      if (file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed')) {
        totals.brokenFiles.push({ file: file.name, message: (file.message ?? '').split('\n')[0] ?? '' });
        totals.failed += 1;
      }
    }
  }
  return totals;
}

export function closingLine({
  passed,
  failed,
  skipped,
}: Pick<Totals, 'passed' | 'failed' | 'skipped'>): string {
  return `Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`;
}

/** Every `<project>.json` in `dir`, by project name; an unreadable file is reported and skipped. */
export function readReports(
  dir: string,
  say: (line: string) => void,
): { name: string; report: VitestJsonReport }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .flatMap((file) => {
      try {
        return [
          { name: basename(file, '.json'), report: JSON.parse(readFileSync(resolve(dir, file), 'utf8')) },
        ];
      } catch (error) {
        say(`unreadable report ${file}: ${String(error)}`);
        return [];
      }
    });
}
