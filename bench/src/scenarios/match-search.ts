/**
 * 8 match-search: the service's search core on the real broker, in the bench's child processes.
 * Fixture: N users loaded through the users processor into LevelDB stores (an in-process service
 * instance without HTTP), then stopped. The users' updates (profile + location, presence for the
 * online half: 2.5 N records) are written by a driver process (match-search-driver.ts: raw
 * kafkajs, large batches), so the instance's process does only the service's work: the users
 * group folds them into its table, the view taps the table into the grid. Each repetition:
 * - recovery: a new instance on that data dir until /readyz would say ready (stores reopened,
 *   grid seeded from the view store, changelog tail replayed), and its RSS;
 * - load: 20,000 more users (MATCH_SEARCH_LOAD_USERS) written at once → all visible in the grid;
 * - in-process nearby (radius 5 / 50 / 200 km, limit 100, mutual filters and blocks; 50 km also
 *   with online=true): p50 / p99 and queries/s of busy time, one at a time, yielding in between;
 * - baseline: a naive linear scan over the same users with the same rules, 50 km (same run;
 *   at most 50 scans or 15 s of scanning);
 * - HTTP: GET /users/:id/nearby?radiusKm=50&limit=100, autocannon in the driver process with
 *   16 keep-alive connections, 2,000 random callers (client and server share the 2 cores).
 * N: 3,000 quick; full: 50,000, or MATCH_SEARCH_USERS (e.g. 1000000) for the issue's size.
 * Topic and group names are the service's contract names (a fresh broker is assumed, as
 * `npm run bench` starts one); user ids carry the run id.
 */
import { join } from 'node:path';
import { mutuallyCompatible, type Profile } from '@showcase/contracts';
import { haversineKm, type LatLon } from '@showcase/geo';
import { Random } from '@showcase/geo/testing';
import { levelStorage } from '@showcase/goka';
import { createMatchSearch, type MatchSearch } from '@showcase/match-search';
import { gokaCluster } from '../cluster.ts';
import { spawnNode, stopChild } from '../processes.ts';
import type { Measurements, Scenario, TaskContext } from '../scenario.ts';
import { servicePartitions } from '../service-partitions.ts';
import { nowMs, Samples } from '../stats.ts';
import type {
  DriverRequest,
  DriverResponse,
  DriverTask,
  EmitReply,
  EmitTask,
  HttpReply,
  HttpTask,
} from './match-search-driver.ts';

const DRIVER = join(import.meta.dirname, 'match-search-driver.ts');

const SECRET = 'bench-only-auth-secret-0123456789';
const LOAD_USERS = 20_000;

/** Users each repetition adds while measuring the load rate (MATCH_SEARCH_LOAD_USERS overrides). */
function loadUsersOf(n: number): number {
  const set = process.env.MATCH_SEARCH_LOAD_USERS;
  if (set === undefined) return Math.min(LOAD_USERS, n);
  const load = Number(set);
  if (!Number.isInteger(load) || load < 1)
    throw new Error(`MATCH_SEARCH_LOAD_USERS must be an integer ≥ 1 (got ${set})`);
  return load;
}

function usersOf(ctx: TaskContext): number {
  if (ctx.mode === 'quick') return 3_000;
  const n = Number(process.env.MATCH_SEARCH_USERS ?? 50_000);
  if (!Number.isInteger(n) || n < 100)
    throw new Error(`MATCH_SEARCH_USERS must be an integer ≥ 100 (got ${n})`);
  return n;
}

/**
 * The driver process (load writer and HTTP client), started at once: it loads while the instance
 * starts. `call` sends one task and resolves with its answer.
 */
function startDriver() {
  const child = spawnNode(DRIVER, []);
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let seq = 0;
  let ready!: () => void;
  const started = new Promise<void>((r) => {
    ready = r;
  });
  child.on('message', (m: DriverResponse) => {
    if (m.seq === 0) return ready();
    const w = waiting.get(m.seq);
    waiting.delete(m.seq);
    if (m.ok) w?.resolve(m.value);
    else w?.reject(new Error(m.error));
  });
  child.once('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`match-search driver exited (${code})`));
    waiting.clear();
  });
  return {
    ready: started,
    async call<T extends EmitReply | HttpReply>(task: DriverTask): Promise<T> {
      await started;
      const id = ++seq;
      const answer = new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      });
      child.send({ seq: id, task } satisfies DriverRequest);
      return answer;
    },
    stop: () => stopChild(child),
  };
}
type Driver = ReturnType<typeof startDriver>;

/**
 * The instance's produce client (its processor writes the users table's changelog):
 * MATCH_SEARCH_PRODUCER=kafkajs|platformatic, default platformatic — the service's own
 * KAFKA_PRODUCER option; kafkajs encoding the changelog was 16 % of the load profile.
 */
function producerOf(): 'kafkajs' | 'platformatic' {
  const set = process.env.MATCH_SEARCH_PRODUCER ?? 'platformatic';
  if (set !== 'kafkajs' && set !== 'platformatic')
    throw new Error(`MATCH_SEARCH_PRODUCER must be kafkajs or platformatic (got ${set})`);
  return set;
}

async function startInstance(ctx: TaskContext, clientId: string, listen: boolean) {
  const cluster = gokaCluster(ctx.brokers, clientId, producerOf());
  // match-search's topics (and anti-spam's and edge-set's tables it reads) are contract topics
  // with fixed names: on a broker that already has them (scenario 7, another bench run, the test
  // suite's shared broker) take their partition count, whichever scenario ran first.
  const partitions = await servicePartitions(cluster);
  const built = await createMatchSearch({
    cluster,
    storage: (component) => levelStorage({ path: join(ctx.workDir, 'match-search', component) }),
    env: {
      AUTH_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      PORT: '0',
      HOST: '127.0.0.1',
      PARTITIONS: String(partitions),
    },
  });
  built.service.onStop(() => cluster.close());
  const url = await built.service.start({ listen });
  await built.service.whenReady(30 * 60_000);
  return { ...built, url, partitions };
}

/**
 * Loads `count` users (ids `${prefix}${i}`) through the processors: the driver process writes
 * their updates to the input topic, the users group folds them into its table, the instance's
 * view taps the table into the index. Resolves with the time until all of them are visible.
 */
async function loadUsers(
  ctx: TaskContext,
  driver: Driver,
  instance: MatchSearch,
  partitions: number,
  load: { prefix: string; count: number; seed: number },
  log: (l: string) => void,
) {
  await driver.ready;
  let seen = 0;
  const off = instance.directory.onChange((c) => {
    if (c.kind === 'user') seen++;
  });
  const started = nowMs();
  try {
    const task: EmitTask = {
      kind: 'emit',
      brokers: ctx.brokers,
      clientId: `bench-match-search-driver-${ctx.runId}`,
      partitions,
      ...load,
    };
    const { updates } = await driver.call<EmitReply>(task);
    let last = nowMs();
    while (seen < updates) {
      await new Promise((r) => setTimeout(r, 50));
      if (nowMs() - last > 10_000) {
        log(`visible ${seen}/${updates} updates`);
        last = nowMs();
      }
    }
    return nowMs() - started;
  } finally {
    off();
  }
}

/** The definition read literally, over arrays of every user: the naive baseline. */
function linearScan(instance: MatchSearch, all: string[], caller: string, radiusKm: number, limit: number) {
  const d = instance.directory;
  const me = d.profileOf(caller)!;
  const at = d.locationOf(caller)!;
  const out: { user: string; distanceKm: number }[] = [];
  for (const id of all) {
    if (id === caller) continue;
    const p: Profile | undefined = d.profileOf(id);
    const there: LatLon | undefined = d.locationOf(id);
    if (!p || !there) continue;
    const distanceKm = haversineKm(at, there);
    if (distanceKm > radiusKm || !mutuallyCompatible(me, p)) continue;
    if (d.isSpamBlocked(id) || d.isPairBlocked(caller, id)) continue;
    out.push({ user: id, distanceKm });
  }
  out.sort((a, b) => a.distanceKm - b.distanceKm || (a.user < b.user ? -1 : 1));
  return out.slice(0, limit);
}

/**
 * Times `one` per query; between queries the event loop runs (kafkajs heartbeats of the
 * instance's processor and views), which the figures exclude: a loop that blocked for the whole
 * phase would get the processor evicted and the next phase would pay for its rejoin.
 */
async function timed(count: number, one: (i: number) => void, budgetMs = Number.POSITIVE_INFINITY) {
  const samples = new Samples(count);
  let busy = 0;
  let i = 0;
  // A budget bounds the slow baseline at 1 M users (≈ 1 s a scan); at least 5 samples.
  for (; i < count && (i < 5 || busy < budgetMs); i++) {
    const t = nowMs();
    one(i);
    const took = nowMs() - t;
    busy += took;
    samples.add(took);
    await new Promise((r) => setImmediate(r));
  }
  const [p50, p99] = samples.percentiles(50, 99);
  return { p50: p50!, p99: p99!, qps: i / (busy / 1000) };
}

/** GET nearby over HTTP from the driver process (autocannon), random callers. */
function httpLoad(ctx: TaskContext, driver: Driver, url: string, callers: string[], connections: number) {
  const task: HttpTask = {
    kind: 'http',
    url,
    secret: SECRET,
    callers,
    query: 'radiusKm=50&limit=100',
    durationMs: ctx.sizes.httpMs,
    connections,
  };
  return driver.call<HttpReply>(task);
}

export const matchSearch: Scenario = {
  name: 'match-search',
  number: 8,
  title: 'match-search: N users through the processors; nearby in-process and over HTTP vs a linear scan',
  fixtures: [
    {
      name: 'match-search-population',
      async create(ctx, log) {
        const n = usersOf(ctx);
        const driver = startDriver();
        const instance = await startInstance(ctx, `bench-match-search-load-${ctx.runId}`, false);
        try {
          const load = { prefix: `${ctx.runId}-u`, count: n, seed: 1 };
          const ms = await loadUsers(ctx, driver, instance, instance.partitions, load, log);
          log(
            `loaded ${n} users in ${(ms / 1000).toFixed(1)} s: ${Math.round(n / (ms / 1000))} users/s, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
          );
        } finally {
          await Promise.all([instance.service.stop(), driver.stop()]);
        }
        return { users: n };
      },
    },
  ],
  variants: [
    {
      name: 'service',
      async run(ctx, fixtures, rep, log) {
        const { users: n } = fixtures['match-search-population'] as { users: number };
        const started = nowMs();
        const instance = await startInstance(ctx, `bench-match-search-${ctx.runId}-${rep}`, true);
        const recoveryMs = nowMs() - started;
        // Started after the recovery (not to share its CPU), before the load's clock starts.
        const driver = startDriver();
        const rssMiB = process.memoryUsage().rss / 2 ** 20;
        log(
          `instance ready in ${(recoveryMs / 1000).toFixed(1)} s, ${instance.directory.searchable} searchable users, RSS ${rssMiB.toFixed(0)} MiB`,
        );
        try {
          const fresh = { prefix: `${ctx.runId}-r${rep}-u`, count: loadUsersOf(n), seed: 100 + rep };
          const loadMs = await loadUsers(ctx, driver, instance, instance.partitions, fresh, log);
          const rnd = new Random(200 + rep);
          const callers = Array.from({ length: 2_000 }, () => `${ctx.runId}-u${rnd.int(0, n - 1)}`);
          const q = (radiusKm: number, onlineOnly = false) =>
            timed(callers.length, (i) =>
              instance.directory.nearby(callers[i]!, { radiusKm, limit: 100, onlineOnly }),
            );
          const q5 = await q(5);
          const q50 = await q(50);
          const q200 = await q(200);
          const q50online = await q(50, true);
          const all = [...instance.directory.searchableIds()];
          const scan = await timed(50, (i) => linearScan(instance, all, callers[i]!, 50, 100), 15_000);
          log(`in-process 50 km p99 ${q50.p99.toFixed(2)} ms, linear scan p50 ${scan.p50.toFixed(1)} ms`);
          const http = await httpLoad(ctx, driver, instance.url, callers, 16);
          const m: Measurements = {
            users: instance.directory.searchable,
            recoveryMs,
            rssMiB,
            peakRssMiB: process.resourceUsage().maxRSS / 1024,
            loadUsersPerS: fresh.count / (loadMs / 1000),
            q5p50: q5.p50,
            q5p99: q5.p99,
            q5qps: q5.qps,
            q50p50: q50.p50,
            q50p99: q50.p99,
            q50qps: q50.qps,
            q200p50: q200.p50,
            q200p99: q200.p99,
            q200qps: q200.qps,
            q50onlineP99: q50online.p99,
            scan50p50: scan.p50,
            scan50p99: scan.p99,
            scan50qps: scan.qps,
            httpQps: http.qps,
            httpP50: http.p50,
            httpP99: http.p99,
          };
          return m;
        } finally {
          await Promise.all([instance.service.stop(), driver.stop()]);
        }
      },
    },
  ],
  figures: [
    { figure: 'searchable users', unit: 'users', variant: 'service', measure: 'users' },
    { figure: 'restarted instance ready (recovery)', unit: 'ms', variant: 'service', measure: 'recoveryMs' },
    { figure: 'RSS after recovery', unit: 'MiB', variant: 'service', measure: 'rssMiB' },
    { figure: 'peak RSS', unit: 'MiB', variant: 'service', measure: 'peakRssMiB' },
    { figure: 'load through the processors', unit: 'users/s', variant: 'service', measure: 'loadUsersPerS' },
    { figure: 'nearby 5 km p50', unit: 'ms', variant: 'service', measure: 'q5p50' },
    { figure: 'nearby 5 km p99', unit: 'ms', variant: 'service', measure: 'q5p99' },
    {
      figure: 'nearby 50 km p50',
      unit: 'ms',
      variant: 'service',
      measure: 'q50p50',
      baseline: { variant: 'service', measure: 'scan50p50' },
    },
    {
      figure: 'nearby 50 km p99',
      unit: 'ms',
      variant: 'service',
      measure: 'q50p99',
      baseline: { variant: 'service', measure: 'scan50p99' },
    },
    {
      figure: 'nearby 50 km',
      unit: 'q/s',
      variant: 'service',
      measure: 'q50qps',
      baseline: { variant: 'service', measure: 'scan50qps' },
    },
    { figure: 'nearby 50 km online=true p99', unit: 'ms', variant: 'service', measure: 'q50onlineP99' },
    { figure: 'nearby 200 km p50', unit: 'ms', variant: 'service', measure: 'q200p50' },
    { figure: 'nearby 200 km p99', unit: 'ms', variant: 'service', measure: 'q200p99' },
    { figure: 'linear scan 50 km p50', unit: 'ms', variant: 'service', measure: 'scan50p50' },
    { figure: 'HTTP nearby 50 km', unit: 'q/s', variant: 'service', measure: 'httpQps' },
    { figure: 'HTTP nearby 50 km p50', unit: 'ms', variant: 'service', measure: 'httpP50' },
    { figure: 'HTTP nearby 50 km p99', unit: 'ms', variant: 'service', measure: 'httpP99' },
  ],
  parameters: (s) => ({
    users: process.env.MATCH_SEARCH_USERS ?? '50000 (full), 3000 (quick)',
    loadUsers: LOAD_USERS,
    queriesPerRadius: 2_000,
    limit: 100,
    httpConnections: 16,
    httpMs: s.httpMs,
    grid: 'GeoGridIndex, 0.25° cells',
    producer: producerOf(),
  }),
  timeoutMs: () => 40 * 60_000,
};
