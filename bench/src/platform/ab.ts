/**
 * A/B of one platform lever (issue 29): each variant gets a fresh broker and a fresh platform
 * (the five services as `npm start` runs them), the variants alternate their order per round, and
 * each round drives one route: a 3 s warm-up, the closed loop (max accepted req/s, p50/p99, drain,
 * CPU per 1,000 events per process, exactly-once transactions and records per transaction), then
 * an open loop at a fixed offered rate (the same for every variant, so p50/p99 compare). One
 * JSON line per round and variant on stdout, a median table on stderr at the end.
 *
 *   npx tsx bench/src/platform/ab.ts --route edge-set --rounds 3 --open-rate 500 \
 *     --variant base \
 *     --variant 'semi:NODE_OPTIONS=--max-semi-space-size=32' \
 *     --variant 'threads:broker.num.io.threads=2,broker.num.network.threads=2'
 *
 * A variant is `name[:KEY=value,…]`: `broker.<key>` is a broker setting (server.properties), any
 * other key an environment variable of every service (SERVICE_NODE_FLAGS: Node flags, see
 * scripts/service-command.ts). Not part of `npm run bench`: a tool for
 * measuring levers one at a time on this machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBroker } from '@showcase/kafka-infra';
import { mintToken } from '@showcase/service-kit';
import { exitWhenWritten } from '@showcase/simkit';
import { median } from '../stats.ts';
import { fetchGroupsJson, scrapeLoop } from './ab-groups.ts';
import { CpuMeter } from './cpu.ts';
import { startPlatform } from './launch.ts';
import { ROUTES, type RouteName } from './routes.ts';
import { BROKER, LOAD_GENERATOR, measured, type Phase, SECRET, startLoad } from './run.ts';
import { PLATFORM_SIZES } from './sizes.ts';

interface Variant {
  readonly name: string;
  readonly env: Record<string, string>;
  readonly broker: Record<string, string>;
}

function parseVariant(text: string): Variant {
  const at = text.indexOf(':');
  const name = at < 0 ? text : text.slice(0, at);
  const env: Record<string, string> = {};
  const broker: Record<string, string> = {};
  if (at >= 0) {
    for (const pair of text.slice(at + 1).split(',')) {
      const eq = pair.indexOf('=');
      if (eq < 0) throw new Error(`variant "${text}": "${pair}" is not KEY=value`);
      const key = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (key.startsWith('broker.')) broker[key.slice('broker.'.length)] = value;
      else env[key] = value;
    }
  }
  return { name, env, broker };
}

const { values } = parseArgs({
  options: {
    route: { type: 'string', default: 'edge-set' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '128' },
    seconds: { type: 'string', default: '10' },
    'open-rate': { type: 'string', default: '500' },
    partitions: { type: 'string', default: '4' },
    variant: { type: 'string', multiple: true, default: ['base'] },
  },
});
const route = values.route as RouteName;
if (!(route in ROUTES)) throw new Error(`unknown route ${route}`);
const variants = (values.variant ?? []).map(parseVariant);
const rounds = Number(values.rounds);
const sizes = PLATFORM_SIZES.full;
const log = (line: string) => process.stderr.write(`[ab] ${line}\n`);

type Figures = Record<string, number>;

const IDLE_MS = 10_000;

async function once(variant: Variant, round: number): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'platform-ab-'));
  const broker = await startBroker({ overrides: variant.broker, log: () => undefined });
  const load = startLoad();
  load.ready.catch(() => undefined); // a failed start is reported by what follows, not as unhandled
  let platform: Awaited<ReturnType<typeof startPlatform>> | undefined;
  // Node flags that NODE_OPTIONS refuses (--cpu-prof) go through the launcher's environment.
  const flags = variant.env.SERVICE_NODE_FLAGS;
  if (flags !== undefined) process.env.SERVICE_NODE_FLAGS = flags;
  else delete process.env.SERVICE_NODE_FLAGS;
  try {
    platform = await startPlatform({
      brokers: broker.brokers,
      secret: SECRET,
      dataDir: dir,
      partitions: Number(values.partitions),
      log: () => undefined,
      env: variant.env,
    });
    await load.ready;
    const pids = new Map<string, number>();
    for (const s of platform.services) if (s.pid) pids.set(s.name, s.pid);
    pids.set(BROKER, broker.pid);
    const loadPid = load.pid();
    if (loadPid) pids.set(LOAD_GENERATOR, loadPid);
    const endpoints = platform.services.map((s) => ({ service: s.name, url: s.url }));
    const adminToken = mintToken({ secret: SECRET, user: 'bench-admin', admin: true, ttlSeconds: 3600 });
    const phase: Phase = { endpoints, adminToken, pids, sizes, partitions: Number(values.partitions), log };
    const url = platform.services.find((s) => s.name === ROUTES[route].service)!.url;
    const http = (seed: number) => ({ route, users: sizes.users, seed, url, secret: SECRET });
    const connections = Number(values.connections);
    // Idle: what the platform burns with nothing to do (fetch polls, heartbeats, timers), before
    // any load (no /admin polling either).
    await new Promise((r) => setTimeout(r, 5_000));
    const idleMeter = new CpuMeter(pids);
    idleMeter.begin();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const idle = idleMeter.end();
    await load.call({ kind: 'closed', ...http(1), connections, durationMs: 0 }, true);
    await measured(phase, load, { kind: 'closed', ...http(2), connections, durationMs: 3_000 }, 'warmup');
    const txBefore = await fetchGroupsJson(endpoints, adminToken);
    const loopBefore = await scrapeLoop(endpoints);
    const closed = await measured(
      phase,
      load,
      { kind: 'closed', ...http(round * 1000), connections, durationMs: Number(values.seconds) * 1000 },
      'closed',
    );
    const txAfter = await fetchGroupsJson(endpoints, adminToken);
    const loopAfter = await scrapeLoop(endpoints);
    const open = await load.call({
      kind: 'open',
      ...http(round * 1000 + 1),
      connections: sizes.openConnections,
      durationMs: 5_000,
      rate: Number(values['open-rate']),
    });
    const f: Figures = {
      idleCores:
        [...idle].filter(([n]) => n !== LOAD_GENERATOR).reduce((a, [, s]) => a + s, 0) / (IDLE_MS / 1000),
      rate: closed.reply.rate,
      p50: closed.reply.p50,
      p99: closed.reply.p99,
      drainMs: closed.drained.drainMs,
      recordsPerEvent: closed.m['closed.recordsPerEvent'] ?? Number.NaN,
      cpuPlatform: closed.m['closed.cpu.platform'] ?? Number.NaN,
      openP50: open.p50,
      openP99: open.p99,
      openAchieved: open.rate,
    };
    for (const [name] of pids) f[`cpu.${name}`] = closed.m[`closed.cpu.${name}`] ?? Number.NaN;
    for (const [name, seconds] of idle) f[`idleCores.${name}`] = seconds / (IDLE_MS / 1000);
    for (const [service, after] of loopAfter) {
      f[`lagP50Ms.${service}`] = after.lagP50Ms;
      f[`lagP99Ms.${service}`] = after.lagP99Ms;
      f[`lagMaxMs.${service}`] = after.lagMaxMs;
      f[`gcS.${service}`] = after.gcSeconds - (loopBefore.get(service)?.gcSeconds ?? 0);
    }
    for (const [service, after] of txAfter) {
      const before = txBefore.get(service) ?? { transactions: 0, records: 0 };
      const tx = after.transactions - before.transactions;
      if (tx <= 0) continue;
      f[`txPerS.${service}`] = tx / Number(values.seconds);
      f[`recordsPerTx.${service}`] = (after.records - before.records) / tx;
    }
    return f;
  } finally {
    await platform?.stop();
    await load.stop();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const all = new Map<string, Figures[]>(variants.map((v) => [v.name, []]));
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? variants : [...variants].reverse();
    for (const variant of order) {
      const began = Date.now();
      const f = await once(variant, round);
      all.get(variant.name)!.push(f);
      process.stdout.write(`${JSON.stringify({ variant: variant.name, round, ...f })}\n`);
      log(
        `round ${round} ${variant.name}: ${Math.round(f.rate!)} req/s, p50 ${f.p50} p99 ${f.p99} ms, drain ${Math.round(f.drainMs!)} ms, CPU ${f.cpuPlatform!.toFixed(2)} s/1k, open p50 ${f.openP50!.toFixed(1)} p99 ${f.openP99!.toFixed(1)} (${((Date.now() - began) / 1000).toFixed(0)} s)`,
      );
    }
  }
  const keys = [...new Set([...all.values()].flatMap((list) => list.flatMap((f) => Object.keys(f))))];
  log(`medians of ${rounds} rounds (${route}):`);
  log(['figure', ...variants.map((v) => v.name)].join('\t'));
  for (const key of keys) {
    const cells = variants.map((v) => {
      const xs = all
        .get(v.name)!
        .map((f) => f[key])
        .filter((x): x is number => x !== undefined);
      return xs.length > 0 ? median(xs).toFixed(2) : '-';
    });
    log([key, ...cells].join('\t'));
  }
}

main().then(
  () => exitWhenWritten(0),
  (error: unknown) => {
    console.error(error);
    exitWhenWritten(1);
  },
);
