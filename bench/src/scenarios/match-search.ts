/**
 * 8 match-search: the service's search core on the real broker, in the bench's child processes.
 * Fixture: N users (profile, location, presence = 3 N updates) loaded through the users processor
 * into LevelDB stores (an in-process service instance), then stopped. Each repetition:
 * - recovery: a new instance on that data dir until /readyz would say ready (stores reopened,
 *   grid seeded from the view store, changelog tail replayed), and its RSS;
 * - load: 20,000 more users (60,000 updates) emitted at once → all visible in the grid, users/s;
 * - in-process nearby (radius 5 / 50 / 200 km, limit 100, mutual filters and blocks; 50 km also
 *   with online=true): p50 / p99 and queries/s of busy time, one at a time, yielding in between;
 * - baseline: a naive linear scan over the same users with the same rules, 50 km (same run);
 * - HTTP: GET /users/:id/nearby?radiusKm=50&limit=100 with 16 concurrent keep-alive clients in
 *   the same process (so client and server share the 2 cores), random callers.
 * N: 3,000 quick; full: 50,000, or MATCH_SEARCH_USERS (e.g. 1000000) for the size.
 * Topic and group names are the service's contract names (a fresh broker is assumed, as
 * `npm run bench` starts one); user ids carry the run id.
 */
import { join } from 'node:path';
import { mutuallyCompatible, type Profile, type UserUpdate, userUpdates } from '@showcase/contracts';
import { haversineKm, type LatLon } from '@showcase/geo';
import { Emitter, levelStorage } from '@showcase/goka';
import { createMatchSearch, type MatchSearch } from '@showcase/match-search';
import { CityPopulation } from '@showcase/match-search/simulator/population';
import { mintToken } from '@showcase/service-kit';
import { gokaCluster } from '../cluster.ts';
import type { Measurements, Scenario, TaskContext } from '../scenario.ts';
import { nowMs, Samples } from '../stats.ts';

const SECRET = 'bench-only-auth-secret-0123456789';
const LOAD_USERS = 20_000;

function usersOf(ctx: TaskContext): number {
  if (ctx.mode === 'quick') return 3_000;
  const n = Number(process.env.MATCH_SEARCH_USERS ?? 50_000);
  if (!Number.isInteger(n) || n < 100)
    throw new Error(`MATCH_SEARCH_USERS must be an integer ≥ 100 (got ${n})`);
  return n;
}

async function startInstance(ctx: TaskContext, clientId: string, listen: boolean) {
  const cluster = gokaCluster(ctx.brokers, clientId);
  // match-search's topics are contract topics with fixed names: on a broker that already has
  // them (another bench run, or the test suite's shared broker) take their partition count.
  const existing = await cluster.partitionCount(userUpdates.name);
  const built = await createMatchSearch({
    cluster,
    storage: (component) => levelStorage({ path: join(ctx.workDir, 'match-search', component) }),
    env: {
      AUTH_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      PORT: '0',
      HOST: '127.0.0.1',
      PARTITIONS: String(existing ?? ctx.sizes.partitions),
    },
  });
  built.service.onStop(() => cluster.close());
  const url = await built.service.start({ listen });
  await built.service.whenReady(30 * 60_000);
  return { ...built, url, cluster };
}

/** Emits `users` joins (3 updates each) and resolves when the grid holds all of them. */
async function loadUsers(
  instance: MatchSearch & { cluster: ReturnType<typeof gokaCluster> },
  ids: string[],
  pop: CityPopulation,
  log: (l: string) => void,
) {
  const emitter = new Emitter({
    cluster: instance.cluster,
    topic: userUpdates.name,
    codec: userUpdates.codec,
  });
  const expected = ids.length * 3;
  let seen = 0;
  const off = instance.directory.onChange((c) => {
    if (c.kind === 'user') seen++;
  });
  const started = nowMs();
  try {
    const window: Promise<unknown>[] = [];
    for (let i = 0; i < ids.length; i++) {
      const { updates } = pop.join(ids[i]!, Date.now(), pop.rnd.next() < 0.5);
      for (const u of updates) window.push(emitter.emit(u.user, u as UserUpdate));
      if (window.length >= 6_000) await Promise.all(window.splice(0));
      if (i > 0 && i % 100_000 === 0) log(`emitted ${i} users`);
    }
    await Promise.all(window);
    let last = nowMs();
    while (seen < expected) {
      await new Promise((r) => setTimeout(r, 50));
      if (nowMs() - last > 10_000) {
        log(`visible ${seen}/${expected} updates`);
        last = nowMs();
      }
    }
    return nowMs() - started;
  } finally {
    off();
    await emitter.close();
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
async function timed(count: number, one: (i: number) => void) {
  const samples = new Samples(count);
  let busy = 0;
  for (let i = 0; i < count; i++) {
    const t = nowMs();
    one(i);
    const took = nowMs() - t;
    busy += took;
    samples.add(took);
    await new Promise((r) => setImmediate(r));
  }
  const [p50, p99] = samples.percentiles(50, 99);
  return { p50: p50!, p99: p99!, qps: count / (busy / 1000) };
}

async function httpLoad(url: string, callers: string[], durationMs: number, connections: number) {
  const samples = new Samples(100_000);
  const tokens = new Map(
    callers.map((c) => [c, `Bearer ${mintToken({ secret: SECRET, user: c, ttlSeconds: 3600 })}`]),
  );
  let done = 0;
  let k = 0;
  const deadline = nowMs() + durationMs;
  const started = nowMs();
  const worker = async () => {
    while (nowMs() < deadline) {
      const caller = callers[k++ % callers.length]!;
      const t = nowMs();
      const res = await fetch(`${url}/users/${caller}/nearby?radiusKm=50&limit=100`, {
        headers: { authorization: tokens.get(caller)! },
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`GET nearby: ${res.status}`);
      samples.add(nowMs() - t);
      done++;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const [p50, p99] = samples.percentiles(50, 99);
  return { qps: done / ((nowMs() - started) / 1000), p50: p50!, p99: p99! };
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
        const instance = await startInstance(ctx, `bench-match-search-load-${ctx.runId}`, false);
        try {
          const ids = Array.from({ length: n }, (_, i) => `${ctx.runId}-u${i}`);
          const ms = await loadUsers(instance, ids, new CityPopulation(1), log);
          log(
            `loaded ${n} users (${3 * n} updates) in ${(ms / 1000).toFixed(1)} s: ${Math.round(n / (ms / 1000))} users/s`,
          );
        } finally {
          await instance.service.stop();
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
        const rssMiB = process.memoryUsage().rss / 2 ** 20;
        log(
          `instance ready in ${(recoveryMs / 1000).toFixed(1)} s, ${instance.directory.searchable} searchable users, RSS ${rssMiB.toFixed(0)} MiB`,
        );
        try {
          const pop = new CityPopulation(100 + rep);
          const fresh = Array.from(
            { length: Math.min(LOAD_USERS, n) },
            (_, i) => `${ctx.runId}-r${rep}-u${i}`,
          );
          const loadMs = await loadUsers(instance, fresh, pop, log);
          const callers = Array.from({ length: 2_000 }, () => `${ctx.runId}-u${pop.rnd.int(0, n - 1)}`);
          const q = (radiusKm: number, onlineOnly = false) =>
            timed(callers.length, (i) =>
              instance.directory.nearby(callers[i]!, { radiusKm, limit: 100, onlineOnly }),
            );
          const q5 = await q(5);
          const q50 = await q(50);
          const q200 = await q(200);
          const q50online = await q(50, true);
          const all = [...instance.directory.grid.within({ lat: 0, lon: 0 }, 21_000)].map((h) => h.id);
          const scan = await timed(50, (i) => linearScan(instance, all, callers[i]!, 50, 100));
          log(`in-process 50 km p99 ${q50.p99.toFixed(2)} ms, linear scan p50 ${scan.p50.toFixed(1)} ms`);
          const http = await httpLoad(instance.url, callers, ctx.sizes.httpMs, 16);
          const m: Measurements = {
            users: instance.directory.searchable,
            recoveryMs,
            rssMiB,
            peakRssMiB: process.resourceUsage().maxRSS / 1024,
            loadUsersPerS: fresh.length / (loadMs / 1000),
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
          await instance.service.stop();
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
  }),
  timeoutMs: () => 40 * 60_000,
};
