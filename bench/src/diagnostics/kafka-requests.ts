/**
 * Kafka requests per process and API (issue 29: "count produce and fetch requests/s per
 * process"): starts a broker and the platform as `npm start` runs it (the platform scenario's
 * launcher), with kafka-request-probe.mjs in every service, then counts what each service sends
 * while idle and under an open-loop load on one write route, and the CPU of every process
 * (broker included) in the load window.
 *
 *   npx tsx bench/src/diagnostics/kafka-requests.ts [--route edge-set] [--rate 300] [--seconds 15] \
 *     [--idle-seconds 20] [--env KAFKA_PRODUCER=platformatic,...]
 *
 * Prints a table per phase (requests per second idle, per accepted event under load) and one JSON
 * line at the end. Loopback only; every process it starts is stopped, also on failure.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startBroker } from '@showcase/kafka-infra';
import { exitWhenWritten } from '@showcase/simkit';
import { CpuMeter } from '../platform/cpu.ts';
import { startPlatform } from '../platform/launch.ts';
import { ROUTES, type RouteName } from '../platform/routes.ts';
import { SECRET, startLoad } from '../platform/run.ts';
import { PLATFORM_SIZES } from '../platform/sizes.ts';

/** The API keys a client of this platform sends (Kafka protocol numbering). */
const API: Readonly<Record<string, string>> = {
  0: 'Produce',
  1: 'Fetch',
  2: 'ListOffsets',
  3: 'Metadata',
  8: 'OffsetCommit',
  9: 'OffsetFetch',
  10: 'FindCoordinator',
  11: 'JoinGroup',
  12: 'Heartbeat',
  13: 'LeaveGroup',
  14: 'SyncGroup',
  18: 'ApiVersions',
  19: 'CreateTopics',
  22: 'InitProducerId',
  24: 'AddPartitionsToTxn',
  25: 'AddOffsetsToTxn',
  26: 'EndTxn',
  28: 'TxnOffsetCommit',
  32: 'DescribeConfigs',
};

type Counts = Record<string, number>;

const { values } = parseArgs({
  options: {
    route: { type: 'string', default: 'edge-set' },
    rate: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '15' },
    'idle-seconds': { type: 'string', default: '20' },
    env: { type: 'string', default: '' },
  },
});
const route = values.route as RouteName;
if (!(route in ROUTES)) throw new Error(`unknown route ${route}`);
const extraEnv = Object.fromEntries(
  (values.env ?? '')
    .split(',')
    .filter((p) => p.includes('='))
    .map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
);
const log = (line: string) => process.stderr.write(`[kafka-requests] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The latest running totals of every probed process, by service. */
function totals(probeDir: string): Map<string, Counts> {
  const out = new Map<string, Counts>();
  for (const file of readdirSync(probeDir)) {
    const lines = readFileSync(join(probeDir, file), 'utf8').trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1]!) as { service: string; counts: Counts };
    out.set(last.service, last.counts);
  }
  return out;
}

/** Per service and API: (after − before) / per. */
function rates(before: Map<string, Counts>, after: Map<string, Counts>, per: number) {
  const result: Record<string, Record<string, number>> = {};
  for (const [service, counts] of after) {
    const row: Record<string, number> = {};
    let all = 0;
    for (const [api, n] of Object.entries(counts)) {
      const d = n - (before.get(service)?.[api] ?? 0);
      if (d <= 0) continue;
      row[API[api] ?? `api${api}`] = d / per;
      all += d;
    }
    result[service] = { all: all / per, ...row };
  }
  return result;
}

function print(title: string, table: Record<string, Record<string, number>>): void {
  process.stdout.write(`\n${title}\n`);
  for (const [service, row] of Object.entries(table)) {
    const parts = Object.entries(row)
      .filter(([k]) => k !== 'all')
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v.toFixed(2)}`);
    process.stdout.write(`  ${service.padEnd(13)} ${row.all!.toFixed(2).padStart(7)}  ${parts.join(', ')}\n`);
  }
}

const probeDir = mkdtempSync(join(tmpdir(), 'kafka-requests-probe-'));
const dataDir = mkdtempSync(join(tmpdir(), 'kafka-requests-data-'));
const probe = resolve(import.meta.dirname, 'kafka-request-probe.mjs');
process.env.SERVICE_NODE_FLAGS = `--import ${probe}`;
const broker = await startBroker({ log: () => undefined });
const load = startLoad();
load.ready.catch(() => undefined);
let platform: Awaited<ReturnType<typeof startPlatform>> | undefined;
let code = 0;
try {
  platform = await startPlatform({
    brokers: broker.brokers,
    secret: SECRET,
    dataDir,
    partitions: 4,
    log,
    env: { KAFKA_REQUEST_PROBE_DIR: probeDir, ...extraEnv },
  });
  await load.ready;
  const url = platform.services.find((s) => s.name === ROUTES[route].service)!.url;
  const users = PLATFORM_SIZES.full.users;
  const task = (seed: number, durationMs: number, rate: number) =>
    ({ kind: 'open', route, users, seed, url, secret: SECRET, connections: 256, durationMs, rate }) as const;
  log('warm-up: 3 s at 100/s, then waiting for the platform to go idle');
  await load.call(task(1, 3_000, 100));
  await sleep(15_000);
  const idleSeconds = Number(values['idle-seconds']);
  const idleStart = totals(probeDir);
  await sleep(idleSeconds * 1000);
  const idle = rates(idleStart, totals(probeDir), idleSeconds);
  print(`idle: Kafka requests per second (${idleSeconds} s)`, idle);

  const pids = new Map<string, number>(platform.services.map((s) => [s.name, s.pid!]));
  pids.set('broker', broker.pid);
  const meter = new CpuMeter(pids);
  const loadStart = totals(probeDir);
  meter.begin();
  const reply = await load.call(task(2, Number(values.seconds) * 1000, Number(values.rate)));
  log(
    `load: ${reply.accepted} accepted at ${Math.round(reply.rate)}/s; waiting 8 s for the downstream groups`,
  );
  await sleep(8_000);
  const underLoad = rates(loadStart, totals(probeDir), Math.max(1, reply.accepted));
  const cpu = meter.end();
  print(`load ${values.rate}/s on ${route}: Kafka requests per accepted event`, underLoad);
  process.stdout.write(`\nCPU ms per accepted event (load window + 8 s)\n`);
  const cpuPerEvent: Record<string, number> = {};
  for (const [name, seconds] of cpu) {
    cpuPerEvent[name] = (seconds * 1000) / Math.max(1, reply.accepted);
    process.stdout.write(`  ${name.padEnd(13)} ${cpuPerEvent[name]!.toFixed(3)}\n`);
  }
  process.stdout.write(
    `${JSON.stringify({ route, rate: Number(values.rate), env: extraEnv, accepted: reply.accepted, achieved: reply.rate, p50: reply.p50, p99: reply.p99, idle, underLoad, cpuPerEvent })}\n`,
  );
} catch (error) {
  log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
  code = 1;
} finally {
  await platform?.stop().catch(() => undefined);
  await load.stop().catch(() => undefined);
  await broker.stop().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(probeDir, { recursive: true, force: true });
}
exitWhenWritten(code);
