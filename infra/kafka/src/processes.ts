import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Alive means signalable and not a zombie (a dead child nobody reaped still answers kill 0). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no procfs (macOS): trust kill 0
  }
}

/** The command line of a process, to tell our broker from an unrelated process that reused its pid. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    try {
      return (
        execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim() || undefined
      );
    } catch {
      return undefined;
    }
  }
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** SIGTERM (Kafka shuts down cleanly), SIGKILL after `graceMs`, and proof that the process is gone. */
export async function terminate(
  pid: number,
  { graceMs = 30_000 }: { graceMs?: number } = {},
): Promise<'exited' | 'killed'> {
  signal(pid, 'SIGTERM');
  if (await waitForExit(pid, graceMs)) return 'exited';
  signal(pid, 'SIGKILL');
  if (await waitForExit(pid, 10_000)) return 'killed';
  throw new Error(`process ${pid} survived SIGKILL`);
}

/**
 * Processes this node process owns and must not outlive it. On a normal exit, an uncaught
 * crash or SIGINT/SIGTERM/SIGHUP they get a synchronous SIGTERM (the JVM then shuts itself
 * down). A SIGKILLed parent runs no handler at all: `startBroker` also arms a watchdog for that.
 */
const owned = new Set<number>();
let handlersInstalled = false;

export function ownProcess(pid: number): () => void {
  installExitHandlers();
  owned.add(pid);
  return () => owned.delete(pid);
}

function killOwnedNow(): void {
  for (const pid of owned) {
    signal(pid, 'SIGTERM');
    signal(pid, 'SIGCONT'); // a SIGSTOPped JVM (failover tests) sees the TERM only once it runs
  }
  owned.clear();
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once('exit', killOwnedNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      // Another listener (npm start, npm test) shuts down in order and stops the broker last;
      // the 'exit' handler still catches whatever it leaves behind. Alone, keep the default
      // meaning of the signal: stop what we own and exit.
      if (process.listenerCount(sig) > 1) return;
      killOwnedNow();
      process.exit(128 + signalNumber(sig));
    };
    process.on(sig, onSignal);
  }
}

function signalNumber(sig: 'SIGINT' | 'SIGTERM' | 'SIGHUP'): number {
  return { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 }[sig];
}
