/**
 * What `npm test` runs before it starts a broker, so that a lint or type error fails in seconds
 * rather than after the tests: biome (lint + format), then side by side tsc on the whole
 * repository (tests, e2e, bench and scripts included) and the build (`tsc -b
 * tsconfig.build.json`). The build type-checks each package against its dependencies'
 * declarations, which catches what the one-program check cannot (a type that does not survive
 * declaration emit), and the e2e tests need its dist/: they start services the way `npm start`
 * does. Both tsc runs are single-threaded and incremental; side by side they use both cores of
 * the CI machine.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

export interface Check {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

export interface CheckResult {
  readonly name: string;
  readonly code: number;
  readonly seconds: number;
}

/** Stages run one after the other; the checks of one stage run side by side. */
export function checkStages(root: string): Check[][] {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  return [
    [{ name: 'lint', command: resolve(root, 'node_modules', '.bin', 'biome'), args: ['check', '.'] }],
    [
      { name: 'typecheck', command: process.execPath, args: [tsc, '-p', 'tsconfig.json', '--noEmit'] },
      { name: 'build', command: process.execPath, args: [tsc, '-b', 'tsconfig.build.json'] },
    ],
  ];
}

const running = new Set<ChildProcess>();

/** Passes a signal on to the checks that are running (a CI runner's SIGTERM). */
export function signalRunningCheck(signal: NodeJS.Signals): void {
  for (const child of running) child.kill(signal);
}

async function run(check: Check, cwd: string): Promise<number> {
  const child = spawn(check.command, [...check.args], { cwd, stdio: 'inherit' });
  running.add(child);
  try {
    return await new Promise<number>((done) => {
      child.once('error', (error) => {
        console.error(`[npm test] could not run ${check.name}: ${error.message}`);
        done(1);
      });
      child.once('exit', (code, signal) => done(code ?? (signal ? 130 : 1)));
    });
  } finally {
    running.delete(child);
  }
}

async function timed(check: Check, root: string, say: (line: string) => void): Promise<CheckResult> {
  const started = performance.now();
  say(`${check.name}: ${[check.command, ...check.args].map((a) => a.replace(`${root}/`, '')).join(' ')}`);
  const code = await run(check, root);
  const seconds = (performance.now() - started) / 1000;
  say(`${check.name}: ${code === 0 ? 'ok' : `failed (exit ${code})`} in ${seconds.toFixed(1)} s`);
  return { name: check.name, code, seconds };
}

/** Runs the stages in order and stops after the first stage with a failed check. */
export async function runChecks(root: string, say: (line: string) => void): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const stage of checkStages(root)) {
    results.push(...(await Promise.all(stage.map((check) => timed(check, root, say)))));
    if (results.some((r) => r.code !== 0)) break;
  }
  return results;
}
