import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * One test layout for every project, two tiers:
 * - unit: `test/**\/*.test.ts`, no broker, memory cluster / tester only;
 * - integration: `test/**\/*.int.test.ts`, against the real broker that the global setup
 *   provides (the one `npm test` started, or `KAFKA_BROKERS`, or a fresh one for this run).
 * Each project also writes a JSON report that `npm test` sums into one closing line.
 */
export function projectTestConfig(name: string) {
  // This file sits at the workspace root, wherever the project is nested.
  const root = import.meta.dirname;
  const reportDir = resolve(process.env.SHOWCASE_TEST_REPORTS ?? resolve(root, '.test-results'));
  return defineConfig({
    test: {
      // Expected failures (poison messages, misuse) log errors; keep test output readable.
      env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
      reporters: ['default', ['json', { outputFile: resolve(reportDir, `${name}.json`) }]],
      projects: [
        {
          extends: true,
          test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/**/*.int.test.ts'] },
        },
        {
          extends: true,
          test: {
            name: 'integration',
            include: ['test/**/*.int.test.ts'],
            globalSetup: [resolve(root, 'infra/kafka/src/vitest-global-setup.ts')],
            testTimeout: 120_000,
            hookTimeout: 180_000,
            fileParallelism: false,
          },
        },
      ],
    },
  });
}
