import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { PARENT_WATCH_ENV } from '../parent-watch.ts';

/**
 * Keeps a set of processes running, as `npm start` needs: a process that exits — with 0 (someone
 * sent it SIGTERM) or after a crash — is restarted after a back-off (1 s, 2 s, 4 s, … up to
 * 30 s), at most `maxRestarts` times in a row; a run that lasted `stableAfterMs` resets the
 * count. One process giving up leaves the others running. Everything stops only on `stop()`
 * (Ctrl-C), each process group with SIGTERM, then SIGKILL after `stopGraceMs`; each stop is
 * reported with its duration, and who needed the SIGKILL is named. Every child gets a pipe as
 * stdin that is never written: when the supervisor dies, however, the child reads end-of-file
 * and stops itself (service-kit parent-watch.ts) instead of living on as an orphan.
 */
export interface ProcessSpec {
  /** Shown as the prefix of its lines, e.g. `anti-spam` or `anti-spam#2`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export interface SupervisorOptions {
  readonly maxRestarts?: number;
  readonly backoffMs?: (attempt: number) => number;
  readonly stableAfterMs?: number;
  readonly stopGraceMs?: number;
  /** Supervisor messages. */
  readonly say?: (line: string) => void;
  /** A line of a process's stdout/stderr. */
  readonly output?: (name: string, line: string) => void;
}

export type SupervisedState = 'running' | 'backoff' | 'gave-up' | 'stopping' | 'stopped';

export interface SupervisedStatus {
  readonly name: string;
  readonly state: SupervisedState;
  readonly restarts: number;
  readonly pid: number | undefined;
}

interface Entry {
  readonly spec: ProcessSpec;
  state: SupervisedState;
  child: ChildProcess | undefined;
  exited: Promise<void>;
  restarts: number;
  /** Consecutive quick exits; reset by a stable run. */
  failures: number;
  timer: NodeJS.Timeout | undefined;
  /** How the last run ended, for the stop report. */
  ended: string | undefined;
}

const defaultBackoff = (attempt: number) => Math.min(30_000, 1000 * 2 ** attempt);

export class Supervisor {
  private readonly entries: Entry[];
  private stopping = false;
  private readonly maxRestarts: number;
  private readonly backoff: (attempt: number) => number;
  private readonly stableAfterMs: number;
  private readonly stopGraceMs: number;
  private readonly say: (line: string) => void;
  private readonly output: (name: string, line: string) => void;

  constructor(specs: readonly ProcessSpec[], options: SupervisorOptions = {}) {
    this.maxRestarts = options.maxRestarts ?? 5;
    this.backoff = options.backoffMs ?? defaultBackoff;
    this.stableAfterMs = options.stableAfterMs ?? 60_000;
    this.stopGraceMs = options.stopGraceMs ?? 35_000;
    this.say = options.say ?? ((line) => console.log(line));
    this.output = options.output ?? ((name, line) => console.log(`[${name}] ${line}`));
    this.entries = specs.map((spec) => ({
      spec,
      state: 'stopped',
      child: undefined,
      exited: Promise.resolve(),
      restarts: 0,
      failures: 0,
      timer: undefined,
      ended: undefined,
    }));
  }

  start(): void {
    for (const entry of this.entries) this.launch(entry);
  }

  status(): SupervisedStatus[] {
    return this.entries.map((e) => ({
      name: e.spec.name,
      state: e.state,
      restarts: e.restarts,
      pid: e.child?.pid,
    }));
  }

  /** Stops every process (SIGTERM to its group, SIGKILL after the grace period). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.entries.map(async (entry) => {
        if (entry.timer) clearTimeout(entry.timer);
        if (entry.state !== 'running') {
          entry.state = 'stopped';
          return;
        }
        entry.state = 'stopping';
        const child = entry.child!;
        const began = Date.now();
        signalGroup(child, 'SIGTERM');
        const deadline = began + this.stopGraceMs;
        while (groupAlive(child) && Date.now() < deadline) await sleep(50);
        const killed = groupAlive(child);
        if (killed) {
          this.say(
            `${entry.spec.name} did not stop within ${this.stopGraceMs / 1000} s: SIGKILL (pid ${child.pid})`,
          );
          signalGroup(child, 'SIGKILL');
        }
        await entry.exited;
        entry.state = 'stopped';
        const took = `${((Date.now() - began) / 1000).toFixed(1)} s`;
        this.say(`${entry.spec.name} ${killed ? 'killed' : 'stopped'} after ${took} (${entry.ended})`);
      }),
    );
  }

  private launch(entry: Entry): void {
    const { spec } = entry;
    const started = Date.now();
    // Own process group (detached), so signals reach npm, its shell and the node process below.
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: {
        // Fewer glibc arenas: LevelDB's and libuv's threads otherwise keep freed native memory
        // (memtables, fetch buffers) resident in arenas of their own; a value given wins.
        MALLOC_ARENA_MAX: '2',
        ...(spec.env ?? process.env),
        [PARENT_WATCH_ENV]: '1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    // Never written, never closed by us: its end-of-file tells the child that we are gone.
    child.stdin?.on('error', () => undefined);
    entry.child = child;
    entry.state = 'running';
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.output(spec.name, line));
    }
    entry.exited = new Promise<void>((done) => {
      let reported = false;
      const exit = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
        if (reported) return;
        reported = true;
        entry.ended = error ? `failed: ${error.message}` : signal ? `signal ${signal}` : `exit code ${code}`;
        // The group may outlive its leader (npm exits before the node below it): end it too.
        if (!this.stopping) signalGroup(child, 'SIGTERM');
        done();
        if (this.stopping || entry.state === 'stopping') return;
        const how = error
          ? `could not start (${error.message})`
          : signal
            ? `was killed (${signal})`
            : `exited with code ${code}`;
        entry.failures = Date.now() - started >= this.stableAfterMs ? 1 : entry.failures + 1;
        if (entry.failures > this.maxRestarts) {
          entry.state = 'gave-up';
          this.say(
            `${spec.name} ${how}; gave up after ${this.maxRestarts} restarts (the other services keep running)`,
          );
          return;
        }
        const wait = this.backoff(entry.failures - 1);
        entry.state = 'backoff';
        this.say(
          `${spec.name} ${how}; restarting in ${wait / 1000} s (${entry.failures}/${this.maxRestarts})`,
        );
        entry.timer = setTimeout(() => {
          entry.timer = undefined;
          if (this.stopping) return;
          entry.restarts++;
          this.launch(entry);
        }, wait);
      };
      child.once('error', (error) => exit(1, null, error));
      child.once('exit', (code, signal) => exit(code, signal));
    });
  }
}

function signalGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    // already gone
  }
}

/** True while any process of the child's group lives. */
function groupAlive(child: ChildProcess): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}
