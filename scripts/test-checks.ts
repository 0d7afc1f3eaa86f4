/**
 * What `npm test` runs before it starts a broker, so that a lint or type error fails in seconds
 * rather than after the tests: biome (lint + format), tsc on the whole repository (tests, e2e,
 * bench and scripts included) and the build (`tsc -b tsconfig.build.json`), which the e2e tests
 * need because they start services from dist/ the way `npm start` does. Both tsc runs are
 * incremental: a second run checks and emits only what changed.
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

export function checks(root: string): Check[] {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  return [
    { name: 'lint', command: resolve(root, 'node_modules', '.bin', 'biome'), args: ['check', '.'] },
    { name: 'typecheck', command: process.execPath, args: [tsc, '-p', 'tsconfig.json', '--noEmit'] },
    { name: 'build', command: process.execPath, args: [tsc, '-b', 'tsconfig.build.json'] },
  ];
}

let running: ChildProcess | undefined;

/** Passes a signal on to the check that is running, if any (a CI runner's SIGTERM). */
export function signalRunningCheck(signal: NodeJS.Signals): boolean {
  return running?.kill(signal) ?? false;
}

async function run(check: Check, cwd: string): Promise<number> {
  const child = spawn(check.command, [...check.args], { cwd, stdio: 'inherit' });
  running = child;
  try {
    return await new Promise<number>((done) => {
      child.once('error', (error) => {
        console.error(`[npm test] could not run ${check.name}: ${error.message}`);
        done(1);
      });
      child.once('exit', (code, signal) => done(code ?? (signal ? 130 : 1)));
    });
  } finally {
    running = undefined;
  }
}

/** Runs the checks one after the other and stops at the first that fails. */
export async function runChecks(root: string, say: (line: string) => void): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks(root)) {
    const started = performance.now();
    say(`${check.name}: ${[check.command, ...check.args].map((a) => a.replace(`${root}/`, '')).join(' ')}`);
    const code = await run(check, root);
    const seconds = (performance.now() - started) / 1000;
    results.push({ name: check.name, code, seconds });
    say(`${check.name}: ${code === 0 ? 'ok' : `failed (exit ${code})`} in ${seconds.toFixed(1)} s`);
    if (code !== 0) break;
  }
  return results;
}
