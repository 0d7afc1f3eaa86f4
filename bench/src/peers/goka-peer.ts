/**
 * The Goka peer (`bench/peers/goka`, a Go program on LOVOO's Goka): building it, its command
 * line, its output, and running it as a tracked child of the benchmark.
 *
 * The binary goes to `bench/peers/goka/.build/` (git-ignored); Go's own build cache
 * (`go env GOCACHE`) keeps the compiled packages, so only the first build on a machine is slow
 * (≈ 2 minutes on a busy 2-core machine, plus the module download); later ones take seconds.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { exited, stopChild, track } from '../processes.ts';
import type { Measurements } from '../scenario.ts';

export const PEER_SOURCE = resolve(import.meta.dirname, '..', '..', 'peers', 'goka');
export const PEER_BINARY = resolve(PEER_SOURCE, '.build', 'goka-peer');
/** The Goka release the peer is built on (bench/peers/goka/go.mod pins it). */
export const GOKA_VERSION = 'v1.1.16';

export type PeerWorkload =
  | {
      readonly workload: 'produce';
      readonly brokers: readonly string[];
      readonly topic: string;
      readonly records: number;
      readonly keys: number;
      readonly window: number;
    }
  | {
      readonly workload: 'stateful';
      readonly brokers: readonly string[];
      readonly topic: string;
      readonly group: string;
      readonly records: number;
      readonly dir: string;
    }
  | {
      readonly workload: 'recovery';
      readonly brokers: readonly string[];
      readonly table: string;
      readonly records: number;
      readonly dir: string;
    };

/** The peer's command line for one workload (flags as main.go defines them). */
export function peerArgs(w: PeerWorkload): string[] {
  const common = ['-brokers', w.brokers.join(','), '-records', String(w.records)];
  switch (w.workload) {
    case 'produce':
      return ['produce', ...common, '-topic', w.topic, '-keys', String(w.keys), '-window', String(w.window)];
    case 'stateful':
      return ['stateful', ...common, '-topic', w.topic, '-group', w.group, '-dir', w.dir];
    case 'recovery':
      return ['recovery', ...common, '-table', w.table, '-dir', w.dir];
  }
}

/**
 * The figures of one peer run: the JSON object on the last non-empty line of its stdout. Every
 * value must be a finite number, and `rate` and `peakRssMiB` must be there (what the bench compares).
 */
export function parsePeerOutput(stdout: string): Measurements {
  const last = stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .at(-1);
  if (last === undefined) throw new Error('the Goka peer printed no result');
  let parsed: unknown;
  try {
    parsed = JSON.parse(last);
  } catch {
    throw new Error(`the Goka peer's result is not JSON: ${last.slice(0, 200)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`the Goka peer's result is not a JSON object: ${last.slice(0, 200)}`);
  }
  const entries = Object.entries(parsed);
  for (const [name, value] of entries) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`the Goka peer's figure ${name} is not a finite number: ${JSON.stringify(value)}`);
    }
  }
  // fromEntries defines own properties: a figure named like an Object.prototype member stays one.
  const measurements = Object.fromEntries(entries) as Measurements;
  for (const required of ['rate', 'peakRssMiB']) {
    if (!Object.hasOwn(measurements, required)) throw new Error(`the Goka peer's result lacks ${required}`);
  }
  return measurements;
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Runs a command as a tracked child (stopped with the benchmark's other children), its stderr
 * lines prefixed on our stderr; returns its stdout. The child's stdin stays open while it runs:
 * the peer exits when it closes, so even a SIGKILLed benchmark leaves no peer behind.
 */
async function runTracked(
  command: string,
  args: readonly string[],
  o: { cwd?: string; timeoutMs: number; prefix: string; env?: NodeJS.ProcessEnv },
): Promise<{ exit: Exit; stdout: string; stderr: string; timedOut: boolean }> {
  const child = spawn(command, args, {
    cwd: o.cwd,
    env: o.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const spawned = new Promise<void>((done, fail) => {
    child.once('spawn', done);
    child.once('error', fail);
  });
  await spawned; // ENOENT and the like reject here, before anything is tracked
  track(child);
  let stdout = '';
  let stderrTail = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    process.stderr.write(`${o.prefix} ${line}\n`);
    stderrTail = `${stderrTail}${line}\n`.slice(-4_000);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stopChild(child);
  }, o.timeoutMs);
  try {
    const exit = await exited(child);
    return { exit, stdout, stderr: stderrTail, timedOut };
  } finally {
    clearTimeout(timer);
    child.stdin.destroy();
  }
}

/** Why the peer cannot be built here (no `go` on PATH), or undefined when Go is there. */
export async function goUnavailable(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  try {
    const { exit } = await runTracked('go', ['version'], { timeoutMs: 30_000, prefix: '[go]', env });
    return exit.code === 0 ? undefined : `\`go version\` failed (exit ${exit.code ?? exit.signal})`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return '`go` is not on PATH: install Go (≥ 1.25) to compare with Goka';
    throw error;
  }
}

/** `go version`'s answer, e.g. "go1.26.8 linux/amd64". */
export async function goVersion(): Promise<string> {
  const { stdout } = await runTracked('go', ['version'], { timeoutMs: 30_000, prefix: '[go]' });
  return stdout.trim().replace(/^go version /, '');
}

/**
 * `go build` of the peer into PEER_BINARY, with a progress line every 10 s (the first build on a
 * machine downloads the modules and compiles sarama, Goka and goleveldb).
 */
export async function buildPeer(log: (line: string) => void, timeoutMs = 600_000): Promise<string> {
  const started = Date.now();
  log(`building the Goka peer (go build in ${PEER_SOURCE}; the first build on a machine takes minutes)`);
  const ticker = setInterval(
    () => log(`still building the Goka peer (${Math.round((Date.now() - started) / 1000)} s)`),
    10_000,
  );
  try {
    const { exit, stderr, timedOut } = await runTracked('go', ['build', '-o', PEER_BINARY, '.'], {
      cwd: PEER_SOURCE,
      timeoutMs,
      prefix: '[go build]',
    });
    if (timedOut) throw new Error(`go build timed out after ${Math.round(timeoutMs / 1000)} s`);
    if (exit.code !== 0) {
      throw new Error(
        `go build failed (exit ${exit.code ?? exit.signal}): ${stderr.trim().split('\n').at(-1)}`,
      );
    }
  } finally {
    clearInterval(ticker);
  }
  log(`built the Goka peer in ${((Date.now() - started) / 1000).toFixed(1)} s: ${PEER_BINARY}`);
  return PEER_BINARY;
}

/** Runs one workload on the built peer; its figures, or an error with the reason. */
export async function runPeer(
  binary: string,
  w: PeerWorkload,
  o: { timeoutMs: number; prefix: string },
): Promise<Measurements> {
  const { exit, stdout, stderr, timedOut } = await runTracked(binary, peerArgs(w), o);
  if (timedOut) throw new Error(`the Goka peer timed out after ${Math.round(o.timeoutMs / 1000)} s`);
  if (exit.code !== 0) {
    const why = stderr.trim().split('\n').at(-1) ?? '';
    throw new Error(`the Goka peer exited (${exit.signal ?? `code ${exit.code}`}): ${why}`);
  }
  return parsePeerOutput(stdout);
}
