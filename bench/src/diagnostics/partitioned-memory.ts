/**
 * Memory per edge-set instance for 1, 2, 3 instances (issue 25: "each holds about a third of the
 * table"). For each count N, on a fresh broker of its own: N edge-set instances (one consumer
 * group each group, as `npm start -- --instances N` runs them), a fixed seeded set of likes
 * written over HTTP spread over the instances, a wait until every group's lag is 0 and the
 * processed counters stand still, then per instance: RSS, V8 heap used, the bytes of the pairs
 * table on disk and the pairs partitions it owns. The likes go straight to edge-set's input topic
 * (`--via topic`, default: goka's Emitter, the key and codec `POST /interactions` uses; fast, so
 * 30,000 likes load in seconds) or over HTTP (`--via http`: many concurrent POST /interactions
 * spread over the instances, ~50–100/s on the shared 2-core machine). With full views every instance holds the whole
 * pairs table whatever N; with routed reads on partitioned state each holds its partitions' share.
 *
 *   npx tsx bench/src/diagnostics/partitioned-memory.ts [--instances 1,2,3] [--likes 30000] \
 *     [--users 5000] [--partitions 6] [--via topic|http] [--concurrency 64] [--seed 25] [--json FILE]
 *
 * 6 partitions by default, so that 1, 2 and 3 instances share them evenly. Prints a table and one
 * JSON document (with the command and the commit). Not part of npm test. Loopback only; every
 * process it starts (broker, services) is stopped, also on failure.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { interactions } from '@showcase/contracts';
import { Emitter } from '@showcase/goka';
import { provideKafka } from '@showcase/kafka-infra';
import { repoRoot, type ServiceProcess, startService } from '@showcase/service-kit/testing';
import { exitWhenWritten, Http, optionInt, pool, Random, sleep, textTable } from '@showcase/simkit';
import { gokaCluster } from '../cluster.ts';
import {
  groupsOf,
  type InstanceFigures,
  instanceFigures,
  PAIRS_GROUP,
  progress,
} from './instance-figures.ts';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '1,2,3' },
    likes: { type: 'string', default: '30000' },
    users: { type: 'string', default: '5000' },
    partitions: { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '64' },
    via: { type: 'string', default: 'topic' },
    seed: { type: 'string', default: '25' },
    json: { type: 'string' },
  },
});
const counts = (values.instances ?? '').split(',').map((n) => optionInt('instances', n, 1, 9));
const likes = optionInt('likes', values.likes, 1, 10_000_000);
const users = optionInt('users', values.users, 2, 10_000_000);
const partitions = optionInt('partitions', values.partitions, 1, 64);
const concurrency = optionInt('concurrency', values.concurrency, 1, 1024);
const seed = optionInt('seed', values.seed, 0, 2 ** 31);
const via = values.via === 'http' ? 'http' : values.via === 'topic' ? 'topic' : undefined;
if (!via) throw new Error(`--via must be topic or http (got "${values.via}")`);
const command =
  `npx tsx bench/src/diagnostics/partitioned-memory.ts ${process.argv.slice(2).join(' ')}`.trim();
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const SECRET = 'partitioned-memory-secret-0123456789abcdef';
const log = (line: string) => process.stderr.write(`[partitioned-memory] ${line}\n`);

/** The same likes for every N: (from, to) over `users` users, never to oneself. */
function seededLikes(): { from: string; to: string }[] {
  const random = new Random(seed);
  const user = (i: number) => `pm-u${i}`;
  return Array.from({ length: likes }, () => {
    const a = random.int(0, users - 1);
    let b = random.int(0, users - 2);
    if (b >= a) b++;
    return { from: user(a), to: user(b) };
  });
}

interface Run {
  readonly instances: number;
  readonly accepted: number;
  readonly failed: number;
  readonly loadSeconds: number;
  readonly settleSeconds: number;
  readonly perInstance: readonly InstanceFigures[];
}

/** Every instance's groups running and the pairs partitions all assigned (the group is formed). */
async function formed(https: readonly Http[], n: number): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (true) {
    const owned = await Promise.all(
      https.map(
        async (h) => (await groupsOf(h)).find((g) => g.group === PAIRS_GROUP)?.partitions.length ?? 0,
      ),
    );
    const total = owned.reduce((a, b) => a + b, 0);
    if (total === partitions && owned.every((o) => o > 0 || n > partitions)) return;
    if (Date.now() > deadline) throw new Error(`pairs partitions not assigned: ${owned.join(', ')}`);
    await sleep(1_000);
  }
}

/** The likes as records of edge-set's input topic, in batches, as POST /interactions emits them. */
async function emitLikes(brokers: readonly string[], items: readonly { from: string; to: string }[]) {
  const cluster = gokaCluster(brokers, 'partitioned-memory');
  const emitter = new Emitter({ cluster, topic: interactions.name, codec: interactions.codec });
  const began = Date.now();
  try {
    for (let i = 0; i < items.length; i += 2_000) {
      await Promise.all(
        items
          .slice(i, i + 2_000)
          .map((item, k) =>
            emitter.emit(item.from, { id: `pm-${i + k}`, ...item, type: 'like', at: Date.now() }),
          ),
      );
      log(`  loading: ${Math.min(items.length, i + 2_000)}/${items.length} written to ${interactions.name}`);
    }
  } finally {
    await emitter.close().catch(() => undefined);
    await cluster.close().catch(() => undefined);
  }
  return { accepted: items.length, failed: 0, seconds: (Date.now() - began) / 1000 };
}

async function load(https: readonly Http[], items: readonly { from: string; to: string }[]) {
  let accepted = 0;
  let failed = 0;
  const began = Date.now();
  let shown = began;
  await pool(
    items.map((item, i) => ({ item, i })),
    concurrency,
    async ({ item, i }) => {
      for (let attempt = 1; attempt <= 3; attempt++) {
        try {
          const reply = await https[i % https.length]!.call('POST', '/interactions', item.from, {
            to: item.to,
            type: 'like',
          });
          if (reply.status === 202) {
            accepted++;
            break;
          }
        } catch {
          // a timeout: try again
        }
        if (attempt === 3) failed++;
      }
      if (Date.now() - shown > 2_000) {
        shown = Date.now();
        const s = (shown - began) / 1000;
        log(
          `  loading: ${accepted}/${items.length} accepted (${Math.round(accepted / s)}/s), ${failed} failed`,
        );
      }
    },
  );
  return { accepted, failed, seconds: (Date.now() - began) / 1000 };
}

/** Until every group is at lag 0 and the processed counters stood still for 3 polls. */
async function settle(https: readonly Http[]): Promise<number> {
  const began = Date.now();
  let last = -1;
  let still = 0;
  while (still < 3) {
    if (Date.now() - began > 600_000) throw new Error('the groups did not settle in 10 minutes');
    await sleep(1_000);
    const now = await progress(https).catch(() => ({ processed: -2, lag: -1 }));
    still = now.lag === 0 && now.processed === last ? still + 1 : 0;
    if (now.processed !== last)
      log(`  settling: ${now.processed} records processed over all groups, lag ${now.lag}`);
    last = now.processed;
  }
  return (Date.now() - began) / 1000;
}

async function measure(n: number, items: readonly { from: string; to: string }[]): Promise<Run> {
  const root = mkdtempSync(join(tmpdir(), `partitioned-memory-${n}-`));
  const kafka = await provideKafka({ env: {}, log: () => undefined });
  const services: ServiceProcess[] = [];
  try {
    log(`${n} instance(s): broker at ${kafka.brokers.join(',')}, starting edge-set`);
    const dirs = Array.from({ length: n }, (_, i) => join(root, `edge-set-${i}`));
    const started = await Promise.allSettled(
      dirs.map((dir) =>
        startService('edge-set', {
          readyTimeoutMs: 300_000,
          env: {
            KAFKA_BROKERS: kafka.brokers.join(','),
            AUTH_SECRET: SECRET,
            DATA_DIR: dir,
            PARTITIONS: String(partitions),
            LOG_LEVEL: 'warn',
          },
        }),
      ),
    );
    for (const s of started) if (s.status === 'fulfilled') services.push(s.value);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const https = services.map((s) => new Http(s.url, SECRET, 30_000));
    await formed(https, n);
    log(
      `${n} instance(s) ready; loading ${items.length} likes ${via === 'http' ? `over HTTP, ${concurrency} in flight` : 'into the input topic'}`,
    );
    const loaded = via === 'http' ? await load(https, items) : await emitLikes(kafka.brokers, items);
    log(`  loaded: ${loaded.accepted} accepted, ${loaded.failed} failed in ${loaded.seconds.toFixed(1)} s`);
    const settleSeconds = await settle(https);
    // Views follow the tables they read after the groups wrote them: give them a moment more.
    await sleep(5_000);
    const perInstance = await Promise.all(
      services.map((s, index) =>
        instanceFigures({ index, pid: s.pid ?? -1, url: s.url, http: https[index]!, dataDir: dirs[index]! }),
      ),
    );
    return {
      instances: n,
      accepted: loaded.accepted,
      failed: loaded.failed,
      loadSeconds: loaded.seconds,
      settleSeconds,
      perInstance,
    };
  } finally {
    await Promise.all(services.map((s) => s.stop(30_000).catch(() => null)));
    await kafka.stop().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}

const shown = (v: number | null) => (v === null ? '–' : v.toFixed(1));
const breakdown = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([c, v]) => `${c} ${v}`)
    .join(', ');

let code = 0;
try {
  const items = seededLikes();
  const runs: Run[] = [];
  for (const n of counts) runs.push(await measure(n, items));
  const rows = runs.flatMap((r) =>
    r.perInstance.map((x) => [
      String(r.instances),
      `#${x.index + 1}`,
      shown(x.rssMiB),
      shown(x.heapUsedMiB),
      shown(x.nonHeapMiB),
      x.pairsTableMiB.toFixed(1),
      `${x.pairsPartitionsOwned}/${partitions}`,
      breakdown(x.pairsStoresByComponent),
      breakdown(x.pairsTableByComponent),
      x.dataDirMiB.toFixed(1),
    ]),
  );
  process.stdout.write(
    `\n${command}\ncommit ${commit}: ${likes} likes between ${users} users (seed ${seed}, via ${via}), ${partitions} partitions\n\n`,
  );
  const head = [
    'N',
    'instance',
    'RSS MiB',
    'heap used MiB',
    'RSS − heap MiB',
    'pairs table MiB',
    'pairs owned',
    'pairs stores on disk',
    'pairs MiB by component',
    'data dir MiB',
  ];
  for (const line of textTable(head, rows, { right: [2, 3, 4, 5, 9] })) process.stdout.write(`${line}\n`);
  for (const r of runs)
    process.stdout.write(
      `N=${r.instances}: ${r.accepted} accepted (${r.failed} failed) in ${r.loadSeconds.toFixed(1)} s, settled ${r.settleSeconds.toFixed(1)} s later\n`,
    );
  const doc = JSON.stringify({ command, commit, likes, users, partitions, seed, via, concurrency, runs });
  process.stdout.write(`${doc}\n`);
  if (values.json) writeFileSync(values.json, `${doc}\n`);
} catch (error) {
  log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
  code = 1;
}
exitWhenWritten(code);
