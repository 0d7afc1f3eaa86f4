/**
 * Smoke test of `npm run bench -- --quick --json`: the whole quick run in a child process, on the
 * broker of the vitest global setup (KAFKA_BROKERS). It checks the JSON document's shape only,
 * never a speed (docs/architecture.md: benchmarks print figures, tests do not time them).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SCENARIO_NAMES } from '../src/scenarios/index.ts';

const MAIN = resolve(import.meta.dirname, '..', 'src', 'main.ts');
// Every registered scenario runs in quick mode (the services' scenarios included).
const SCENARIOS = SCENARIO_NAMES;

let child: ChildProcess | undefined;

afterEach(async () => {
  // Also on failure or timeout: the benchmark stops its own children on SIGTERM; SIGKILL if not.
  const running = child;
  child = undefined;
  if (!running || running.exitCode !== null || running.signalCode !== null) return;
  const gone = new Promise((done) => running.once('exit', done));
  running.kill('SIGTERM');
  const timer = setTimeout(() => running.kill('SIGKILL'), 15_000);
  await gone;
  clearTimeout(timer);
});

function runQuick(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const started = spawn(process.execPath, ['--import', 'tsx', MAIN, '--quick', '--json'], {
      env: { ...process.env, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    let stdout = '';
    let stderr = '';
    started.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    started.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    started.once('error', fail);
    started.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

const numberOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));

it('quick mode prints one JSON document: a row per figure, and the machine', {
  // Every scenario's every variant in a child process of its own (about 50 of them); the
  // platform scenario starts five services once (about 1–2 minutes on a busy 2-core machine).
  timeout: 840_000,
}, async () => {
  expect(process.env.KAFKA_BROKERS, 'the global setup provides the broker').toBeTruthy();
  const { code, stdout, stderr } = await runQuick();
  expect(code, stderr.slice(-3000)).toBe(0);
  expect(stderr).toContain('[bench]');

  const report = JSON.parse(stdout) as {
    mode: string;
    scenarios: Record<string, unknown>[];
    machine: Record<string, unknown>;
  };
  expect(report.mode).toBe('quick');
  expect(report.machine).toMatchObject({
    cores: expect.any(Number),
    node: expect.stringMatching(/^v\d+/),
    kafka: expect.stringMatching(/^\d+\.\d+/),
  });

  expect(report.scenarios.length).toBeGreaterThan(0);
  for (const row of report.scenarios) {
    expect(row).toMatchObject({
      scenario: expect.any(String),
      figure: expect.any(String),
      unit: expect.any(String),
      parameters: expect.any(Object),
    });
    for (const field of ['value', 'min', 'max', 'baseline', 'ratio'] as const) {
      expect(numberOrNull(row[field]), `${row.scenario} / ${row.figure}: ${field}`).toBe(true);
    }
    // A figure without a value says why; a failure is never silent.
    if (row.value === null) expect(row.note).toMatch(/^skipped/);
    // Quick mode runs one repetition of every scenario.
    else expect((row.repetitions as number[]).length).toBeGreaterThanOrEqual(1);
  }
  expect(new Set(report.scenarios.map((r) => r.scenario))).toEqual(new Set(SCENARIOS));
});
