/**
 * CPU per input event of the recommender and segmentation, in process, without a broker (issue
 * 29: together they cost ≈ 0.6 CPU ms of the platform's 1.44 per interaction). Each service is
 * built as its main.ts builds it (`createRecommender` / `createSegmentation`) on a memory cluster
 * with classic-level stores in a temp dir (`--storage memory` for memory stores), then fed
 * edge-set-like records straight into its input topics: seeded interactions between `--users`
 * users (like / pass / visit / message, as the platform bench's load generator sends them) and a
 * `new-match` event for both users when a like completes a mutual pair (edge-set's match events).
 * A warm-up pass (`--warmup`, not measured) fills the rows and the JIT; then `--events` records
 * are written and the run waits until every group and view of the service is idle. The figure is
 * this process's CPU (process.cpuUsage, user + system) from the first measured write to idle,
 * minus what writing the same records costs alone (measured on a cluster without consumers), per
 * input event. Services run one after the other, `--runs` times each, alternating their order.
 *
 *   npx tsx bench/src/diagnostics/consumer-cost.ts [--service recommender,segmentation] \
 *     [--events 20000] [--warmup 10000] [--users 2000] [--runs 3] [--seed 29] \
 *     [--storage level|memory] [--json]
 *
 * Profile: `node --cpu-prof --cpu-prof-dir=DIR --import tsx bench/src/diagnostics/consumer-cost.ts
 * --service recommender --runs 1`, then `npx tsx bench/src/profile-summary.ts DIR`.
 * Not part of npm test; starts no broker and no server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Interaction, interactions, type MatchEvent, matchEvents } from '@showcase/contracts';
import {
  type Cluster,
  Emitter,
  levelStorage,
  memoryCluster,
  memoryStorage,
  type Processor,
  type View,
} from '@showcase/goka';
import { createRecommender } from '@showcase/recommender';
import { createSegmentation } from '@showcase/segmentation';
import { exitWhenWritten, optionInt, Random, textTable } from '@showcase/simkit';

const { values } = parseArgs({
  options: {
    service: { type: 'string', default: 'recommender,segmentation' },
    events: { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '10000' },
    users: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '3' },
    seed: { type: 'string', default: '29' },
    partitions: { type: 'string', default: '4' },
    storage: { type: 'string', default: 'level' },
    json: { type: 'boolean', default: false },
  },
});

const SERVICES = ['recommender', 'segmentation'] as const;
type ServiceName = (typeof SERVICES)[number];
const services = values.service.split(',').map((s) => {
  if (!(SERVICES as readonly string[]).includes(s)) throw new Error(`--service: unknown "${s}"`);
  return s as ServiceName;
});
const events = optionInt('--events', values.events, 1, 10_000_000);
const warmup = optionInt('--warmup', values.warmup, 0, 10_000_000);
const userCount = optionInt('--users', values.users, 2, 1_000_000);
const runs = optionInt('--runs', values.runs, 1, 100);
const seed = optionInt('--seed', values.seed, 0, 2 ** 31);
const partitions = optionInt('--partitions', values.partitions, 1, 64);
if (values.storage !== 'level' && values.storage !== 'memory') throw new Error('--storage: level or memory');
const storageKind = values.storage;

const SECRET = 'consumer-cost-secret-0123456789-abcdef';
const TYPES = ['like', 'pass', 'visit', 'message'] as const;

type InputRecord =
  | { readonly topic: 'interactions'; readonly key: string; readonly value: Interaction }
  | { readonly topic: 'matches'; readonly key: string; readonly value: MatchEvent };

/** The same seeded records every run: interactions, plus both sides' new-match on a mutual like. */
function inputRecords(count: number, offset: number, random: Random, likes: Set<string>): InputRecord[] {
  const out: InputRecord[] = [];
  const users = Array.from({ length: userCount }, (_, i) => `u${i}`);
  const base = Date.UTC(2026, 11, 1);
  for (let n = 0; n < count; n++) {
    const from = random.pick(users);
    let to = random.pick(users);
    while (to === from) to = random.pick(users);
    const type = random.pick(TYPES);
    const at = base + (offset + n) * 50;
    out.push({ topic: 'interactions', key: from, value: { id: `i${offset + n}`, from, to, type, at } });
    if (type !== 'like') continue;
    likes.add(`${from}>${to}`);
    if (!likes.has(`${to}>${from}`)) continue;
    const iso = new Date(at).toISOString();
    for (const [user, other] of [
      [from, to],
      [to, from],
    ] as const)
      out.push({
        topic: 'matches',
        key: user,
        value: { id: `m${offset + n}-${user}`, type: 'new-match', user, other, at: iso },
      });
  }
  return out;
}

interface Feeder {
  write(records: readonly InputRecord[]): Promise<void>;
  close(): Promise<void>;
}

function feeder(cluster: Cluster): Feeder {
  const i = new Emitter({ cluster, topic: interactions.name, codec: interactions.codec });
  const m = new Emitter({ cluster, topic: matchEvents.name, codec: matchEvents.codec });
  return {
    async write(records) {
      // Emits outstanding in windows, as the platform bench's direct form writes (order per key kept).
      const window: Promise<unknown>[] = [];
      for (const r of records) {
        window.push(r.topic === 'interactions' ? i.emit(r.key, r.value) : m.emit(r.key, r.value));
        if (window.length >= 5_000) await Promise.all(window.splice(0));
      }
      await Promise.all(window);
    },
    async close() {
      await Promise.all([i.close(), m.close()]);
    },
  };
}

/** Every group has consumed up to every high-water mark with nothing in flight, every view lag 0. */
async function idle(
  cluster: Cluster,
  processors: readonly Processor<unknown, unknown>[],
  views: readonly View<unknown>[],
) {
  const highs = new Map<string, number[]>();
  const high = async (topic: string) => {
    let h = highs.get(topic);
    if (!h) {
      h = (await cluster.offsets(topic)).map((o) => o.high);
      highs.set(topic, h);
    }
    return h;
  };
  for (const p of processors)
    for (const s of p.stats().partitions) {
      if (s.inFlight > 0) return false;
      for (const [topic, at] of Object.entries(s.positions))
        if (at.consumed < ((await high(topic))[s.partition] ?? 0)) return false;
    }
  return views.every((v) => v.stats().lag === 0);
}

async function untilIdle(
  cluster: Cluster,
  processors: readonly Processor<unknown, unknown>[],
  views: readonly View<unknown>[],
) {
  // Three idle polls in a row: a loopback or a changelog record may still be on its way.
  for (let quiet = 0; quiet < 3; ) {
    await new Promise((r) => setTimeout(r, 20));
    quiet = (await idle(cluster, processors, views)) ? quiet + 1 : 0;
  }
}

const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

interface RunFigures {
  readonly service: ServiceName;
  readonly run: number;
  readonly records: number;
  readonly interactions: number;
  readonly cpuMs: number;
  readonly writeCpuMs: number;
  readonly wallMs: number;
  /** (cpu − write cpu) per interaction, µs. */
  readonly usPerInteraction: number;
  readonly processed: number;
}

async function build(service: ServiceName, cluster: Cluster, dir: string) {
  const env = { AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', PORT: '0', PARTITIONS: String(partitions) };
  const storage =
    storageKind === 'level' ? (c: string) => levelStorage({ path: join(dir, c) }) : () => memoryStorage();
  const built =
    service === 'recommender'
      ? await createRecommender({ cluster, env, storage })
      : await createSegmentation({ cluster, env, storage });
  await built.service.start({ listen: false });
  await built.service.whenReady(60_000);
  const processors = Object.values(built.processors) as Processor<unknown, unknown>[];
  const views = Object.values(built.views) as View<unknown>[];
  return { built, processors, views };
}

async function one(service: ServiceName, run: number): Promise<RunFigures> {
  const random = new Random(seed);
  const likes = new Set<string>();
  const warm = inputRecords(warmup, 0, random, likes);
  const measured = inputRecords(events, warmup, random, likes);
  const interactionCount = measured.filter((r) => r.topic === 'interactions').length;

  // What writing the records costs alone: subtracted from the service's figure.
  const bare = memoryCluster({ partitions });
  await bare.ensureTopics([
    { name: interactions.name, partitions },
    { name: matchEvents.name, partitions },
  ]);
  const bareFeed = feeder(bare);
  await bareFeed.write(warm);
  const w0 = cpuMicros();
  await bareFeed.write(measured);
  const writeCpu = cpuMicros() - w0;
  await bareFeed.close();

  const dir = mkdtempSync(join(tmpdir(), 'consumer-cost-'));
  const cluster = memoryCluster({ partitions });
  const { built, processors, views } = await build(service, cluster, dir);
  const feed = feeder(cluster);
  try {
    await feed.write(warm);
    await untilIdle(cluster, processors, views);
    const before = processors.reduce((n, p) => n + p.stats().processed, 0);
    const c0 = cpuMicros();
    const t0 = performance.now();
    await feed.write(measured);
    await untilIdle(cluster, processors, views);
    const cpu = cpuMicros() - c0;
    const wall = performance.now() - t0;
    const processed = processors.reduce((n, p) => n + p.stats().processed, 0) - before;
    return {
      service,
      run,
      records: measured.length,
      interactions: interactionCount,
      cpuMs: cpu / 1000,
      writeCpuMs: writeCpu / 1000,
      wallMs: wall,
      usPerInteraction: (cpu - writeCpu) / interactionCount,
      processed,
    };
  } finally {
    await feed.close();
    await built.service.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main() {
  const figures: RunFigures[] = [];
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? services : [...services].reverse();
    for (const service of order) {
      const f = await one(service, run);
      figures.push(f);
      process.stderr.write(
        `${service} run ${run + 1}: ${f.usPerInteraction.toFixed(1)} µs CPU per interaction ` +
          `(${f.cpuMs.toFixed(0)} ms CPU − ${f.writeCpuMs.toFixed(0)} ms writing, ${f.records} records, ` +
          `${f.processed} processed, ${f.wallMs.toFixed(0)} ms wall\n`,
      );
    }
  }
  const summary = services.map((service) => {
    const mine = figures.filter((f) => f.service === service);
    const us = mine.map((f) => f.usPerInteraction);
    return {
      service,
      medianUsPerInteraction: median(us),
      minUsPerInteraction: Math.min(...us),
      maxUsPerInteraction: Math.max(...us),
      processedPerInteraction: median(mine.map((f) => f.processed / f.interactions)),
    };
  });
  const table = textTable(
    ['service', 'µs CPU / interaction (median)', 'min', 'max', 'records processed / interaction'],
    summary.map((s) => [
      s.service,
      s.medianUsPerInteraction.toFixed(1),
      s.minUsPerInteraction.toFixed(1),
      s.maxUsPerInteraction.toFixed(1),
      s.processedPerInteraction.toFixed(2),
    ]),
    { right: [1, 2, 3, 4] },
  ).join('\n');
  const options = { events, warmup, users: userCount, runs, seed, partitions, storage: storageKind };
  if (values.json) {
    process.stderr.write(`${table}\n`);
    process.stdout.write(`${JSON.stringify({ options, summary, runs: figures }, null, 2)}\n`);
  } else process.stdout.write(`${table}\n`);
}

main().then(
  () => exitWhenWritten(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    exitWhenWritten(1);
  },
);
