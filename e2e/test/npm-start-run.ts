import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { expect } from 'vitest';
import { ApiClient, eventually, repoRoot } from '../src/index.ts';

/**
 * `npm start` as an operator runs it, for the tests of its start and stop: `npm --silent start
 * -- …` in a process group of its own (so a test can signal the whole group, as systemd, a CI
 * runner or a terminal does), on moved ports and a temp data dir, its output collected line by
 * line. `kill()` ends whatever it started, for the tests' afterAll.
 */
export interface NpmStartRun {
  /** npm's pid, which is also the process group's id. */
  readonly pid: number;
  readonly lines: string[];
  readonly instances: readonly { readonly name: string; readonly url: string; readonly port: number }[];
  /** Resolves with npm's exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  output(): string;
  /** Every process below npm now (children, grandchildren …). */
  processes(): number[];
  /** Sends `sig` to every process of npm start's own group at once. */
  signalGroup(sig: NodeJS.Signals): void;
  /** SIGKILL to the group and to every process seen below it. */
  kill(): void;
}

export interface NpmStartOptions {
  readonly services: readonly string[];
  readonly basePort: Readonly<Record<string, number>>;
  readonly instances: number;
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;
}

const portFree = (port: number) =>
  new Promise<boolean>((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });

/** An offset at which every port this run needs is free. */
async function freeOffset(ports: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = 20_000 + Math.floor(Math.random() * 200) * 100;
    if ((await Promise.all(ports.map((p) => portFree(p + offset)))).every(Boolean)) return offset;
  }
  throw new Error('no free port range found');
}

/** Every process below `pid` (children, grandchildren …), from /proc. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // the process ended meanwhile
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parentOf) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The parent of `pid`, from /proc (undefined once it ended). */
export function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The pid among `pids` whose environment says PORT=`port` (a service instance). */
export function pidListeningAs(pids: readonly number[], port: number): number | undefined {
  return pids.find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`PORT=${port}`);
    } catch {
      return false;
    }
  });
}

/** Answers at all (any status)? */
export const answers = (url: string) =>
  fetch(url).then(
    () => true,
    () => false,
  );

/** Starts `npm start` and waits until every instance answers /readyz 200. */
export async function startNpmStart(o: NpmStartOptions): Promise<NpmStartRun> {
  const ports = o.services.flatMap((s) =>
    Array.from({ length: o.instances }, (_, k) => o.basePort[s]! + 100 * k),
  );
  const offset = await freeOffset(ports);
  const instances = o.services.flatMap((s) =>
    Array.from({ length: o.instances }, (_, k) => {
      const port = o.basePort[s]! + offset + 100 * k;
      return { name: o.instances > 1 ? `${s}#${k + 1}` : s, url: `http://127.0.0.1:${port}`, port };
    }),
  );
  const args = [
    '--silent',
    'start',
    '--',
    '--instances',
    String(o.instances),
    '--only',
    o.services.join(','),
  ];
  args.push('--port-offset', String(offset), '--data-dir', o.dataDir);
  const child: ChildProcess = spawn('npm', args, {
    cwd: repoRoot,
    env: o.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // a group of its own, as under setsid
  });
  const pid = child.pid!;
  const lines: string[] = [];
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
    });
  }
  const seen = new Set<number>();
  const processes = () => {
    const now = descendants(pid);
    for (const p of now) seen.add(p);
    return now;
  };
  const run: NpmStartRun = {
    pid,
    lines,
    instances,
    exited,
    output: () => lines.join('\n'),
    processes,
    signalGroup: (sig) => process.kill(-pid, sig),
    kill() {
      processes();
      for (const p of [pid, ...seen]) if (alive(p)) process.kill(p, 'SIGKILL');
    },
  };
  try {
    await eventually(
      async () => {
        for (const { name, url } of instances) {
          const status = await fetch(`${url}/readyz`).then(
            (r) => r.status,
            () => 0,
          );
          expect(status, `${name} /readyz\n${run.output().slice(-3000)}`).toBe(200);
        }
      },
      180_000,
      500,
    );
  } catch (error) {
    run.kill();
    throw error;
  }
  processes();
  return run;
}

/**
 * Messages posted to anti-spam instances without pause until `stop()`: the stop happens while
 * writes are in flight. Counts the accepted ones (202); failures once the stop began are expected.
 */
export function writeLoad(
  urls: readonly string[],
  secret: string,
): { accepted(): number; stop(): Promise<number> } {
  let running = true;
  let accepted = 0;
  const loops = urls.map(async (url, i) => {
    const api = new ApiClient(url, secret);
    for (let n = 0; running; n++) {
      const reply = await api
        .post('/messages', `load${i}-${n % 20}`, { to: `peer${n % 7}`, text: `message ${n}` })
        .catch(() => undefined);
      if (reply?.status === 202) accepted++;
      else await new Promise((r) => setTimeout(r, 20));
    }
  });
  return {
    accepted: () => accepted,
    async stop() {
      running = false;
      await Promise.all(loops);
      return accepted;
    },
  };
}
