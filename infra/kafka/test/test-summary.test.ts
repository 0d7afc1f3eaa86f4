// The closing line of `npm test` is what CI reads; it lives in scripts/ but is tested here, with the rest of the test infrastructure.
import { expect, test } from 'vitest';
import { closingLine, sumReports, type VitestJsonReport } from '../../../scripts/test-summary.ts';

const report = (over: Partial<VitestJsonReport>): VitestJsonReport => ({
  numPassedTests: 0,
  numFailedTests: 0,
  numPendingTests: 0,
  numTodoTests: 0,
  success: true,
  testResults: [],
  ...over,
});

test('sums passed, failed and skipped (skip + todo) over every project', () => {
  const totals = sumReports([
    report({ numPassedTests: 100, numPendingTests: 1 }),
    report({ numPassedTests: 23, numFailedTests: 2, numTodoTests: 1, success: false }),
  ]);
  expect(closingLine(totals)).toBe('Tests: 123 passed, 2 failed, 2 skipped');
});

test('a file that failed outside any test (import error, failing hook) counts as one failure', () => {
  const totals = sumReports([
    report({
      numPendingTests: 3,
      success: false,
      testResults: [
        {
          name: '/x/a.test.ts',
          status: 'failed',
          message: 'boom\nstack',
          assertionResults: [{ status: 'skipped' }],
        },
        { name: '/x/b.test.ts', status: 'failed', message: '', assertionResults: [{ status: 'failed' }] },
        { name: '/x/c.test.ts', status: 'passed', assertionResults: [{ status: 'passed' }] },
      ],
    }),
  ]);
  expect(totals.failed).toBe(1);
  expect(totals.brokenFiles).toEqual([{ file: '/x/a.test.ts', message: 'boom' }]);
});

test('no reports, nothing counted', () => {
  expect(sumReports([])).toMatchObject({ reports: 0, passed: 0, failed: 0, skipped: 0 });
});
