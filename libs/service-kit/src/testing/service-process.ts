import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { buildOnce, serviceCommand } from '../supervisor/service-command.ts';

/**
 * Starts a service of this repository as its own process, the way `npm start` runs it
 * (supervisor/service-command.ts: plain node on services/<name>/dist/main.js, built first if the
 * sources changed; tsx on src/main.ts with START_FROM=src), waits for /readyz, and stops it with
 * SIGTERM (SIGKILL after a deadline). Generic: any service folder with src/main.ts.
 *
 * Every process started here is also killed when the test process exits, whatever happened.
 */
/** The repository root: libs/service-kit/{src,dist}/testing is four levels below it. */
export const repoRoot = resolve(import.meta.dirname, '..', '..', '..', '..');

export interface StartOptions {
  /** Extra/overriding environment (PORT, KAFKA_BROKERS, AUTH_SECRET, DATA_DIR, …). */
  readonly env?: Record<string, string | undefined>;
  /** Default: a free port. */
  readonly port?: number;
  /** Default 120 s: the first start recovers tables and joins consumer groups. */
  readonly readyTimeoutMs?: number;
  /** Print the service's output as it comes (also with E2E_VERBOSE=1). */
  readonly verbose?: boolean;
}

export interface ServiceProcess {
  readonly name: string;
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** ws://127.0.0.1:<port> */
  readonly wsUrl: string;
  readonly env: Readonly<Record<string, string>>;
  readonly pid: number | undefined;
  /** The last lines the service printed (stdout and stderr). */
  output(): string;
  /** Lines logged at level error or fatal so far (pino's JSON levels 50/60, or their names). */
  loggedErrors(): number;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with the exit code (null when killed). */
  stop(timeoutMs?: number): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

const ERROR_LINE = /"level":(?:50|60)\b|\b(?:ERROR|FATAL)\b/;

const running = new Set<ChildProcess>();
const killAll = () => {
  for (const child of running) child.kill('SIGKILL');
};
let reaping = false;
/**
 * Installed with the first started process, not on import: a unit test that only imports the
 * testing entry (e.g. for assertFuzzClean) keeps Node's own signal handling.
 */
function reapOnExit(): void {
  if (reaping) return;
  reaping = true;
  process.once('exit', killAll);
  // A test run that is itself stopped by a signal does not reach 'exit' on its own.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      // Someone else handles the signal (e.g. simulate.ts stops its broker): let them exit.
      if (process.listenerCount(signal) === 0) {
        process.exit(128 + (signal === 'SIGHUP' ? 1 : signal === 'SIGINT' ? 2 : 15));
      }
    });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startService(name: string, options: StartOptions = {}): Promise<ServiceProcess> {
  const sources = resolve(repoRoot, 'services', name, 'src', 'main.ts');
  if (!existsSync(sources)) throw new Error(`no service "${name}": ${sources} does not exist`);
  buildOnce(repoRoot);
  reapOnExit();
  const { command, args } = serviceCommand(repoRoot, name);
  const port = options.port ?? (await freePort());
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({
    MALLOC_ARENA_MAX: '2', // as the supervisor starts services (supervisor.ts)
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    ...options.env,
  })) {
    if (v !== undefined) env[k] = v;
  }
  const verbose = options.verbose ?? process.env.E2E_VERBOSE === '1';
  const child = spawn(command, args, {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const lines: string[] = [];
  let errorLines = 0;
  const collect = (stream: NodeJS.ReadableStream | null, where: NodeJS.WriteStream) => {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      if (verbose) where.write(`[${name}] ${chunk}`);
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) if (ERROR_LINE.test(line)) errorLines++;
      lines.push(...parts);
      if (lines.length > 400) lines.splice(0, lines.length - 400);
    });
  };
  collect(child.stdout, process.stdout);
  collect(child.stderr, process.stderr);
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolveExit(code);
    });
    child.once('error', () => {
      running.delete(child);
      resolveExit(null);
    });
  });
  const output = () => lines.join('\n');
  const url = `http://127.0.0.1:${port}`;

  const stop = async (timeoutMs = 30_000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  const service: ServiceProcess = {
    name,
    port,
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    env,
    pid: child.pid,
    output,
    loggedErrors: () => errorLines,
    stop,
    exited,
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  let last = 'no answer yet';
  while (true) {
    if (gone) {
      throw new Error(`${name} exited with code ${child.exitCode} before it was ready:\n${output()}`);
    }
    if (Date.now() > deadline) {
      await stop(5_000);
      throw new Error(
        `${name} not ready after ${options.readyTimeoutMs ?? 120_000} ms (${last}):\n${output()}`,
      );
    }
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return service;
      last = `readyz ${res.status}: ${(await res.text()).slice(0, 300)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
