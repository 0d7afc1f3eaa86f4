/**
 * Start time (spawn → /readyz 200) and memory (RSS of the service's process tree once ready) of
 * one service, started in several ways, interleaved A/B/… so that a busy machine hurts every way
 * alike. Prints one line per run, the medians, and JSON.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 npx tsx scripts/measure-service-start.ts \
 *     [--service anti-spam] [--runs 5] [--runtime DIR]
 *
 * Ways: `tsx` — the tsx CLI on src/main.ts (what `npm start -w services/<name>` ran before the
 * build existed; two processes: the CLI and node); `node-tsx` — node with the tsx loader, one
 * process (`START_FROM=src`, the e2e harness before); `node-dist` — plain node on dist/main.js (scripts/service-command.ts), in
 * --runtime DIR when given (a tree made by scripts/runtime-files.sh after `npm prune
 * --omit=dev`: what the image runs), else in this checkout. A first, unmeasured start creates the
 * service's topics.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../libs/service-kit/src/testing/index.ts';
import { serviceCommand } from './service-command.ts';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    service: { type: 'string', default: 'anti-spam' },
    runs: { type: 'string', default: '5' },
    runtime: { type: 'string' },
  },
});
const service = values.service;
const runs = Number(values.runs);
const brokers = process.env.KAFKA_BROKERS;
if (!brokers) throw new Error('set KAFKA_BROKERS (npm run kafka -- start prints it)');

interface Way {
  readonly name: string;
  readonly cwd: string;
  readonly command: string;
  readonly args: readonly string[];
}

const runtimeRoot = values.runtime ? resolve(values.runtime) : root;
const dist = serviceCommand(runtimeRoot, service, 'dist');
const ways: Way[] = [
  {
    name: 'tsx',
    cwd: resolve(root, 'services', service),
    command: resolve(root, 'node_modules', '.bin', 'tsx'),
    args: ['src/main.ts'],
  },
  {
    name: 'node-tsx',
    cwd: root,
    command: process.execPath,
    args: serviceCommand(root, service, 'src').args,
  },
  { name: 'node-dist', cwd: runtimeRoot, command: dist.command, args: dist.args },
];

/** VmRSS of pid and all its descendants, in MiB (Linux /proc). */
function treeRssMiB(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  let kib = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop() as number;
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      kib += Number(match?.[1] ?? 0);
    } catch {
      // gone
    }
    stack.push(...(children.get(p) ?? []));
  }
  return kib / 1024;
}

async function ready(url: string, child: ChildProcess, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before ready`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('not ready in time');
}

async function once(way: Way): Promise<{ readyMs: number; rssMiB: number }> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'measure-start-'));
  const started = performance.now();
  const child = spawn(way.command, [...way.args], {
    cwd: way.cwd,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      KAFKA_BROKERS: brokers,
      AUTH_SECRET: 'measure-start-secret-of-at-least-32-bytes',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
    },
  });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await ready(`http://127.0.0.1:${port}/readyz`, child, Date.now() + 180_000);
    const readyMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, 2000)); // settle: RSS once the start-up garbage is collected
    return { readyMs, rssMiB: treeRssMiB(child.pid as number) };
  } finally {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

await once(ways[ways.length - 1] as Way); // creates the topics; not measured
const results = new Map<string, { readyMs: number[]; rssMiB: number[] }>(
  ways.map((w) => [w.name, { readyMs: [], rssMiB: [] }]),
);
for (let i = 0; i < runs; i++) {
  for (const way of i % 2 === 0 ? ways : [...ways].reverse()) {
    const r = await once(way);
    const into = results.get(way.name);
    into?.readyMs.push(r.readyMs);
    into?.rssMiB.push(r.rssMiB);
    console.log(
      `${service} ${way.name.padEnd(9)} run ${i + 1}: ready ${r.readyMs.toFixed(0)} ms, RSS ${r.rssMiB.toFixed(1)} MiB`,
    );
  }
}
const summary = Object.fromEntries(
  [...results].map(([name, r]) => [
    name,
    {
      readyMsMedian: Math.round(median(r.readyMs)),
      rssMiBMedian: Number(median(r.rssMiB).toFixed(1)),
      runs: r.readyMs.length,
    },
  ]),
);
for (const [name, s] of Object.entries(summary)) {
  console.log(`${service} ${name.padEnd(9)} median: ready ${s.readyMsMedian} ms, RSS ${s.rssMiBMedian} MiB`);
}
console.log(JSON.stringify({ service, runtime: runtimeRoot, summary }));
