/**
 * Child processes of the benchmark. Every one is tracked here so that an error, a timeout,
 * Ctrl-C or SIGTERM stops all of them; every child also exits when its parent goes away (the
 * IPC channel closes), so not even a SIGKILLed parent leaves one behind.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { exitWhenWritten } from '@showcase/simkit';

const live = new Set<ChildProcess>();

/** Node flags that run TypeScript children: the tsx loader, resolved from here. */
export function tsxExecArgv(): string[] {
  let loader = 'tsx';
  try {
    loader = import.meta.resolve('tsx');
  } catch {
    // fall back to resolution from the working directory
  }
  return ['--import', loader];
}

export interface NodeChildOptions {
  /** Extra Node flags, e.g. --cpu-prof. */
  readonly execArgv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Default: stdout and stderr of the child go to our stderr (stdout is kept for the report). */
  readonly stdio?: SpawnOptions['stdio'];
}

/** Starts a TypeScript file in a new Node process with an IPC channel. */
export function spawnNode(script: string, args: readonly string[], o: NodeChildOptions = {}): ChildProcess {
  const child = spawn(process.execPath, [...tsxExecArgv(), ...(o.execArgv ?? []), script, ...args], {
    stdio: o.stdio ?? ['ignore', 2, 2, 'ipc'],
    env: o.env ?? process.env,
  });
  track(child);
  return child;
}

export function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

export async function stopAllChildren(graceMs = 5_000): Promise<void> {
  await Promise.all([...live].map((child) => stopChild(child, graceMs)));
}

export function liveChildren(): number {
  return live.size;
}

/**
 * Runs `script` with a JSON task, waits for its one reply on the IPC channel
 * (`{ ok: true, value }` or `{ ok: false, error }`) and for its exit; kills it after `timeoutMs`.
 */
export async function runTask<T>(
  script: string,
  task: unknown,
  { timeoutMs, execArgv }: { timeoutMs: number; execArgv?: readonly string[] },
): Promise<T> {
  const child = spawnNode(script, [JSON.stringify(task)], { execArgv });
  type Reply = { ok: true; value: T } | { ok: false; error: string };
  let reply: Reply | undefined;
  child.on('message', (message) => {
    reply ??= message as unknown as Reply;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stopChild(child);
  }, timeoutMs);
  try {
    const { code, signal } = await exited(child);
    if (timedOut) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s`);
    if (reply?.ok) return reply.value;
    if (reply) throw new Error(reply.error);
    throw new Error(`child exited (${signal ?? `code ${code}`}) without a result`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The child's side: exit when the parent is gone, stop grandchildren on SIGTERM/SIGINT, send
 * exactly one reply and exit (whatever handles a library might still hold).
 */
export function serveTask<T>(work: () => Promise<T>): void {
  process.on('disconnect', () => process.exit(1));
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      void stopAllChildren(2_000).finally(() => process.exit(128 + (sig === 'SIGINT' ? 2 : 15)));
    });
  }
  const reply = (message: unknown, code: number) => {
    if (!process.send) {
      console.log(JSON.stringify(message));
      exitWhenWritten(code);
      return;
    }
    process.send(message, () => process.exit(code));
  };
  work().then(
    (value) => reply({ ok: true, value }, 0),
    (error: unknown) => {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      void stopAllChildren(2_000).finally(() => reply({ ok: false, error: text }, 1));
    },
  );
}

export { sleep };
