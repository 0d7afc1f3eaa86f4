/**
 * GET /users/:id/recommendations over HTTP at 1,000 candidates: the whole request (Fastify, auth,
 * the pair-table range scan, the ranker over the mirrors), one request at a time over a
 * keep-alive connection. Two services on memory clusters in this process, fed the same tables:
 * the default one (co-clustering + neighbourhood + factorisation) and one with RANK_CLUSTERS=0
 * (the model before the co-clustering); requests interleaved with the popularity ranking of the
 * first as a baseline. Every row has four full neighbour lists (100 ids each: the worst case the
 * cap allows). The co-clustering is fitted before measuring (GET /model/stats clustersBehind).
 *
 *   npx tsx services/recommender/sim/bench/http.ts [--candidates 1000] [--requests 300] [--json file]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type UserState, userTable } from '@showcase/contracts';
import { Emitter, memoryCluster } from '@showcase/goka';
import { seeded, Tokens } from '@showcase/simkit';
import { defaultLearnerConfig, emptyRow, type ModelRow } from '../../src/model.ts';
import { createRecommender } from '../../src/service.ts';
import { tables } from '../../src/topics.ts';

const { values } = parseArgs({
  options: {
    candidates: { type: 'string', default: '1000' },
    requests: { type: 'string', default: '300' },
    json: { type: 'string' },
  },
});
const N = Number(values.candidates) + 1;
const REQUESTS = Number(values.requests);
const CAP = defaultLearnerConfig.neighbours;
const SECRET = 'recommender-http-bench-secret-0123456789';
const random = seeded(24);
const id = (i: number) => `u${i}`;
const some = (n: number) => Array.from({ length: n }, () => id(Math.floor(random() * N)));

const users: UserState[] = [];
const rows: ModelRow[] = [];
for (let i = 0; i < N; i++) {
  users.push({
    user: id(i),
    online: false,
    updatedAt: Date.now(),
    profile: { age: 30, gender: 'female', seeking: ['female'], ageMin: 18, ageMax: 60 },
    location: { lat: 52.52 + (random() - 0.5) * 0.4, lon: 13.4 + (random() - 0.5) * 0.6 },
  });
  rows.push({
    ...emptyRow(id(i), defaultLearnerConfig),
    liked: some(CAP),
    passed: some(CAP),
    likedBy: some(CAP),
    passedBy: some(CAP),
  });
}

async function start(env: Record<string, string>) {
  const cluster = memoryCluster({ partitions: 4 });
  const { service, mirrors } = await createRecommender({
    cluster,
    learn: false,
    env: { AUTH_SECRET: SECRET, LOG_LEVEL: 'warn', PORT: '0', HOST: '127.0.0.1', PARTITIONS: '4', ...env },
  });
  const address = await service.start();
  await service.whenReady(60_000);
  const u = new Emitter({ cluster, topic: userTable.name, codec: userTable.codec });
  const m = new Emitter({ cluster, topic: tables.model.name, codec: tables.model.codec });
  await Promise.all([...users.map((s) => u.emit(s.user, s)), ...rows.map((r) => m.emit(r.user, r))]);
  await Promise.all([u.close(), m.close()]);
  return {
    base: address,
    loaded: () => [...mirrors.users.entries()].length === N && [...mirrors.model.entries()].length === N,
    async stop() {
      await service.stop();
      await cluster.close();
    },
  };
}

const tokens = new Tokens(SECRET);
async function get(url: string, as: string, admin = false): Promise<unknown> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${tokens.of(as, admin)}` } });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

const current = await start({});
const before = await start({ RANK_CLUSTERS: '0' });
try {
  for (const s of [current, before]) {
    const deadline = Date.now() + 120_000;
    while (!s.loaded() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    while (Date.now() < deadline) {
      const stats = (await get(`${s.base}/model/stats`, 'bench', true)) as { clustersBehind: number };
      if (stats.clustersBehind === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const variants = [
    { name: 'co-clustering (default)', base: current.base, ranking: 'reciprocal' },
    { name: 'before: RANK_CLUSTERS=0', base: before.base, ranking: 'reciprocal' },
    { name: 'popularity', base: current.base, ranking: 'popularity' },
  ];
  const times = variants.map(() => [] as number[]);
  let candidates = 0;
  // Warm-up: JIT, the pair views' first scans.
  for (let r = 0; r < 20; r++)
    for (const v of variants) await get(`${v.base}/users/${id(r)}/recommendations?k=10&radiusKm=100`, id(r));
  for (let r = 0; r < REQUESTS; r++) {
    const caller = id(Math.floor(random() * N));
    for (let i = 0; i < variants.length; i++) {
      const v = variants[i]!;
      const t0 = performance.now();
      const body = (await get(
        `${v.base}/users/${caller}/recommendations?k=10&radiusKm=100&ranking=${v.ranking}`,
        caller,
      )) as { items: unknown[]; candidates?: number };
      times[i]!.push(performance.now() - t0);
      if (body.candidates !== undefined) candidates = body.candidates;
    }
  }
  const q = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  };
  const report = {
    candidates: candidates || N - 1,
    requests: REQUESTS,
    variants: variants.map((v, i) => ({ name: v.name, p50Ms: q(times[i]!, 0.5), p99Ms: q(times[i]!, 0.99) })),
  };
  console.log(
    `GET recommendations over HTTP, ${report.candidates} candidates, ${REQUESTS} requests each, interleaved`,
  );
  console.log('variant                    p50 ms   p99 ms');
  for (const v of report.variants)
    console.log(`${v.name.padEnd(25)} ${v.p50Ms.toFixed(2).padStart(7)}  ${v.p99Ms.toFixed(2).padStart(7)}`);
  console.log(JSON.stringify(report));
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
} finally {
  await Promise.all([current.stop(), before.stop()]);
}
