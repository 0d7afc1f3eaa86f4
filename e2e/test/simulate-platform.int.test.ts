import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { brokers, repoRoot } from '../src/index.ts';

/**
 * `npm run simulate -- platform --quick` as a user runs it (its own five service processes, on
 * this run's broker): it exits 0 and its table has every row — five quality figures, five
 * services' load — with numbers, not NaN. The figures' values are the simulator's to report,
 * not this test's to judge (performance goals are not timed assertions).
 */
const ROWS = [
  'anti-spam',
  'match-search',
  'edge-set',
  'recommender',
  'segmentation',
  'anti-spam load',
  'edge-set load',
  'match-search load',
  'recommender load',
  'segmentation load',
];

// Also when the test times out (its `finally` never runs then): SIGTERM lets simulate.ts stop
// the services it started.
let running: ReturnType<typeof spawn> | undefined;
afterAll(() => {
  if (running && running.exitCode === null && running.signalCode === null) running.kill('SIGTERM');
});

it('the quick platform simulation prints a table with every row and numbers in it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'simulate-platform-'));
  const json = join(dir, 'report.json');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'e2e/src/simulate.ts', 'platform', '--quick', '--json', json],
    { cwd: repoRoot, env: { ...process.env, KAFKA_BROKERS: brokers() }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running = child;
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    output += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    output += c;
  });
  try {
    const code = await new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
    expect(code, output.slice(-4000)).toBe(0);
    const { rows } = JSON.parse(readFileSync(json, 'utf8')) as { rows: { name: string; values: number[] }[] };
    expect(rows.map((r) => r.name).sort()).toEqual([...ROWS].sort());
    for (const row of rows) {
      expect(row.values.length, row.name).toBeGreaterThan(0);
      for (const v of row.values)
        expect(Number.isFinite(v), `${row.name}: ${row.values.join(', ')}`).toBe(true);
      expect(output).toContain(row.name);
    }
    console.log(output.slice(output.lastIndexOf('platform simulation')));
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  }
}, 420_000);
