import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { brokers, eventually, repoRoot } from '../src/index.ts';

/**
 * `npm start -- --instances 2` end to end, on the test broker (start.ts uses KAFKA_BROKERS when
 * set): every instance listens where the printed line says, becomes ready, and Ctrl-C (SIGINT)
 * stops every process it started, with exit code 0. Two services keep it cheap on a shared
 * machine — anti-spam (Kafka, tables) and the console (no Kafka) — with their state under a temp
 * dir and every port moved by a free offset, so a developer's own `npm start` is not disturbed.
 */
const SERVICES = ['anti-spam', 'console'] as const;
const BASE_PORT: Record<(typeof SERVICES)[number], number> = { console: 4100, 'anti-spam': 4101 };
const INSTANCES = 2;

const portFree = (port: number) =>
  new Promise<boolean>((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });

/** An offset at which every port this run needs is free. */
async function freeOffset(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = 20_000 + Math.floor(Math.random() * 200) * 100;
    const ports = SERVICES.flatMap((s) => [0, 100].map((d) => BASE_PORT[s] + offset + d));
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return offset;
  }
  throw new Error('no free port range found');
}

/** Every process below `pid` (children, grandchildren …), from /proc. */
function descendants(pid: number): number[] {
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

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let child: ChildProcess | undefined;
let started: number[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'e2e-npm-start-'));
afterAll(() => {
  // Whatever happened: nothing this test started outlives it.
  for (const pid of [...started, ...(child?.pid ? [child.pid] : [])])
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start -- --instances 2', () => {
  it('prints where each instance listens, every instance becomes ready, Ctrl-C stops all of it', async () => {
    const offset = await freeOffset();
    const lines: string[] = [];
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/start.ts',
        '--instances',
        String(INSTANCES),
        '--only',
        SERVICES.join(','),
        '--port-offset',
        String(offset),
        '--data-dir',
        dataDir,
      ],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          KAFKA_BROKERS: brokers(),
          AUTH_SECRET: randomBytes(32).toString('base64url'),
          LOG_LEVEL: 'info',
          LOG_FORMAT: 'pretty',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((done) => child!.once('exit', (code) => done(code)));
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        lines.push(...parts);
      });
    }
    const output = () => lines.join('\n');

    // The printed listen lines: one per instance, port + 100·(k−1), moved by the offset.
    const expected = SERVICES.flatMap((s) =>
      Array.from({ length: INSTANCES }, (_, k) => ({
        name: `${s}#${k + 1}`,
        url: `http://127.0.0.1:${BASE_PORT[s] + offset + 100 * k}`,
      })),
    );
    await eventually(
      () => {
        for (const { name, url } of expected)
          expect(output()).toContain(`[npm start] ${name} → ${url}  (docs: ${url}/docs)`);
      },
      60_000,
      200,
    );

    // Every instance answers /readyz 200.
    const readyAfter = Date.now();
    await eventually(
      async () => {
        for (const { name, url } of expected) {
          const status = await fetch(`${url}/readyz`).then(
            (r) => r.status,
            () => 0,
          );
          expect(status, `${name} /readyz\n${output().slice(-3000)}`).toBe(200);
        }
      },
      180_000,
      500,
    );
    console.log(
      `[npm start test] ${expected.length} instances ready ${Date.now() - readyAfter} ms after listen lines`,
    );

    // Ctrl-C: every process npm start started ends, and it exits 0.
    started = descendants(child.pid!);
    expect(started.length).toBeGreaterThanOrEqual(expected.length);
    const stopAt = Date.now();
    child.kill('SIGINT');
    const code = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000)),
    ]);
    expect(code, output().slice(-3000)).toBe(0);
    console.log(`[npm start test] stopped ${started.length} processes in ${Date.now() - stopAt} ms`);
    await eventually(() => expect(started.filter(alive)).toEqual([]), 10_000, 100);
    for (const { url } of expected) {
      const status = await fetch(`${url}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      expect(status, url).toBe(0);
    }
    expect(output()).toContain('[npm start] stopped');

    // One line per event, each prefixed with who said it; a service's line is a pino event
    // (time, level, message) — a multi-line event would leave unprefixed continuation lines.
    const prefixes = ['npm start', ...expected.map((e) => e.name)];
    const stray = lines.filter((l) => l !== '' && !prefixes.some((p) => l.startsWith(`[${p}] `)));
    expect(stray.slice(0, 5), 'lines without an instance prefix').toEqual([]);
    const serviceLines = lines.filter((l) => expected.some((e) => l.startsWith(`[${e.name}] `)));
    const notEvents = serviceLines.filter((l) => !/^\[[^\]]+\] \[\d\d:\d\d:\d\d\.\d{3}\] [A-Z]+: /.test(l));
    expect(notEvents.slice(0, 5), 'service lines that are not one pino event').toEqual([]);
    for (const { name } of expected)
      expect(
        serviceLines.some((l) => l.startsWith(`[${name}] `)),
        name,
      ).toBe(true);
  }, 300_000);
});
