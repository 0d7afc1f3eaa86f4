/**
 * recommender (services/recommender):
 * - learning: the learner group (levelStorage, its changelog and its loop topic on the broker)
 *   reads a topic of interactions among 10,000 users from the beginning; the clock runs from the
 *   processor's start until every interaction's two hops (user → target → user) are processed
 *   and acknowledged. Baseline: the same steps as plain function calls in one process (the
 *   model's arithmetic alone), so the ratio is what the loop through Kafka costs.
 * - ranking: the whole service in this process (memory cluster, learner off), its tables
 *   filled through the contract topics with 1,000 or 10,000 candidates within the radius, each
 *   caller with 100 pair rows; `GET /users/:id/recommendations?k=10` through Fastify's inject,
 *   one request at a time, timed each. Baseline: the same requests with `ranking=popularity`
 *   (the same candidate generation and exclusions, no model arithmetic).
 */
import { join } from 'node:path';
import {
  edgePairTable,
  type Interaction,
  interactions,
  type PairState,
  pairKey,
  type UserState,
  userTable,
} from '@showcase/contracts';
import { Emitter, levelStorage, memoryCluster, Processor } from '@showcase/goka';
import { mintToken } from '@showcase/service-kit';
import { gokaCluster, gokaUnavailable } from '../cluster.ts';
import { seededRandom } from '../data.ts';
import { uniqueName } from '../naming.ts';
import type { Fixture, Measurements, Scenario, TaskContext } from '../scenario.ts';
import { nowMs, Samples } from '../stats.ts';

const USERS = 10_000;
const learnInteractions = (ctx: TaskContext) => (ctx.mode === 'full' ? 200_000 : 20_000);
// Quick mode proves the plumbing: 100 requests at 10k candidates still give a p99 of sorts.
const rankRequests = (ctx: TaskContext) => (ctx.mode === 'full' ? 2_000 : 100);

function interactionAt(i: number, random: () => number): Interaction {
  const from = `u${Math.floor(random() * USERS)}`;
  let to = `u${Math.floor(random() * USERS)}`;
  if (to === from) to = `u${(Number(from.slice(1)) + 1) % USERS}`;
  return { id: `i${i}`, from, to, type: random() < 0.3 ? 'like' : 'pass', at: 1_700_000_000_000 + i };
}

interface InteractionTopic {
  readonly topic: string;
  readonly records: number;
}

const interactionTopic: Fixture = {
  name: 'recommender-interactions',
  async create(ctx, log) {
    const topic = uniqueName(ctx, 'recommender-interactions');
    const records = learnInteractions(ctx);
    const cluster = gokaCluster(ctx.brokers, 'bench-recommender-fill');
    try {
      await cluster.ensureTopics([{ name: topic, partitions: ctx.sizes.partitions }]);
      const emitter = new Emitter({ cluster, topic, codec: interactions.codec });
      const random = seededRandom(13);
      const window = 5_000;
      for (let from = 0; from < records; from += window) {
        const batch: Promise<unknown>[] = [];
        for (let i = from; i < Math.min(records, from + window); i++) {
          const interaction = interactionAt(i, random);
          batch.push(emitter.emit(interaction.from, interaction));
        }
        await Promise.all(batch);
      }
      await emitter.close();
      log(`${records} interactions among ${USERS} users in ${topic}`);
    } finally {
      await cluster.close();
    }
    return { topic, records } satisfies InteractionTopic;
  },
};

async function learner(
  ctx: TaskContext,
  fixtures: Record<string, unknown>,
  rep: number,
  log: (l: string) => void,
) {
  const { learnerGroup, defaultLearnerConfig, defaultSignalWeights } = await import('@showcase/recommender');
  const source = fixtures['recommender-interactions'] as InteractionTopic;
  const group = learnerGroup(defaultLearnerConfig, defaultSignalWeights, {
    group: uniqueName(ctx, 'recommender-learner', rep),
    input: source.topic,
  });
  const cluster = gokaCluster(ctx.brokers, 'bench-recommender-learner');
  const processor = new Processor(group, {
    cluster,
    storage: levelStorage({ path: join(ctx.workDir, `recommender-learner-${rep}`) }),
  });
  try {
    const started = nowMs();
    await processor.start();
    // Every interaction is one input record and two loop records (rate, feedback).
    const expected = source.records * 3;
    let lastLog = nowMs();
    for (;;) {
      if (processor.state === 'failed') throw processor.error;
      const stats = processor.stats();
      const processed = stats.partitions.reduce((n, p) => n + p.processed, 0);
      const inFlight = stats.partitions.reduce((n, p) => n + p.inFlight, 0);
      if (processed >= expected && inFlight === 0) break;
      if (nowMs() - lastLog > 5_000) {
        log(`learner: ${processed}/${expected} records processed`);
        lastLog = nowMs();
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const elapsed = nowMs() - started;
    const rate = (source.records * 1000) / elapsed;
    log(`learned ${source.records} interactions in ${(elapsed / 1000).toFixed(1)} s: ${Math.round(rate)}/s`);
    return { rate };
  } finally {
    await processor.stop();
    await cluster.close();
  }
}

async function math(ctx: TaskContext): Promise<Measurements> {
  const {
    appealStep,
    tasteStep,
    emptyRow,
    defaultLearnerConfig: cfg,
  } = await import('@showcase/recommender');
  const rows = new Map<string, ReturnType<typeof emptyRow>>();
  const get = (u: string) => rows.get(u) ?? emptyRow(u, cfg);
  const random = seededRandom(13);
  const n = learnInteractions(ctx);
  const list = Array.from({ length: n }, (_, i) => interactionAt(i, random));
  const started = nowMs();
  for (const i of list) {
    const u = get(i.from);
    const step = appealStep(get(i.to), u.taste, u.tasteBias, i.type === 'like' ? 1 : 0, 1, cfg);
    if (step.row) rows.set(i.to, step.row);
    const next = tasteStep(get(i.from), step.appeal, step.gradient, cfg);
    if (next) rows.set(i.from, next);
  }
  return { rate: (n * 1000) / (nowMs() - started) };
}

const CENTER = { lat: 52.52, lon: 13.405 };
const SECRET = 'bench-only-recommender-secret-0123';

async function ranking(
  candidates: number,
  ctx: TaskContext,
  log: (l: string) => void,
): Promise<Measurements> {
  const {
    createRecommender,
    tables,
    emptyRow,
    defaultLearnerConfig: cfg,
  } = await import('@showcase/recommender');
  const cluster = memoryCluster({ partitions: 4 });
  const { service, mirrors, ranker } = await createRecommender({
    cluster,
    learn: false,
    env: { AUTH_SECRET: SECRET, LOG_LEVEL: 'warn', PORT: '0', PARTITIONS: '4' },
  });
  const emitters: { close(): Promise<void> }[] = [];
  try {
    await service.start({ listen: false });
    await service.whenReady(30_000);
    await ranker.ready();
    const users = new Emitter({ cluster, topic: userTable.name, codec: userTable.codec });
    const model = new Emitter({ cluster, topic: tables.model.name, codec: tables.model.codec });
    const pairs = new Emitter({ cluster, topic: edgePairTable.name, codec: edgePairTable.codec });
    emitters.push(users, model, pairs);
    const random = seededRandom(candidates);
    const writes: Promise<unknown>[] = [];
    // Everyone within ~40 km, one gender seeking the other: half of the users are a caller's
    // candidates, so 2 × candidates users.
    const total = candidates * 2;
    for (let i = 0; i < total; i++) {
      const user = `c${i}`;
      const r = 40 * Math.sqrt(random());
      const a = random() * 2 * Math.PI;
      const state: UserState = {
        user,
        profile: {
          age: 30,
          gender: i % 2 === 0 ? 'female' : 'male',
          seeking: [i % 2 === 0 ? 'male' : 'female'],
          ageMin: 18,
          ageMax: 99,
        },
        location: { lat: CENTER.lat + (r * Math.cos(a)) / 111.2, lon: CENTER.lon + (r * Math.sin(a)) / 68 },
        online: true,
        updatedAt: 0,
      };
      const row = emptyRow(user, cfg);
      writes.push(
        users.emit(user, state),
        model.emit(user, {
          ...row,
          taste: row.taste.map(() => random() * 2 - 1),
          appeal: row.appeal.map(() => random() * 2 - 1),
          received: 10,
        }),
      );
    }
    const callers = Array.from({ length: 100 }, (_, i) => `c${i}`);
    for (const caller of callers) {
      for (let j = 0; j < 100; j++) {
        const other = `c${Math.floor(random() * total)}`;
        if (other === caller) continue;
        const at = '2026-01-01T00:00:00.000Z';
        const pair: PairState = {
          user: caller,
          other,
          out: [{ user: other, type: random() < 0.5 ? 'like' : 'pass', count: 1, first: at, last: at }],
          in: [],
        };
        writes.push(pairs.emit(pairKey(caller, other), pair));
      }
    }
    await Promise.all(writes);
    while (mirrors.users.size < total || mirrors.model.size < total)
      await new Promise((r) => setTimeout(r, 20));
    log(`${total} users (${candidates} candidates per caller), 100 pair rows per caller`);
    const tokens = new Map(callers.map((c) => [c, mintToken({ secret: SECRET, user: c })]));
    const measure = async (query: string) => {
      const samples = new Samples();
      for (let i = 0; i < rankRequests(ctx); i++) {
        const caller = callers[i % callers.length]!;
        const t0 = nowMs();
        const res = await service.app.inject({
          method: 'GET',
          url: `/users/${caller}/recommendations?k=10&radiusKm=100${query}`,
          headers: { authorization: `Bearer ${tokens.get(caller)}` },
        });
        samples.add(nowMs() - t0);
        if (res.statusCode !== 200) throw new Error(`GET recommendations: ${res.statusCode} ${res.body}`);
      }
      return samples.percentiles(50, 99);
    };
    await measure(''); // warm-up (JIT)
    const [p50, p99] = await measure('');
    const [popP50, popP99] = await measure('&ranking=popularity');
    return { p50: p50!, p99: p99!, popularityP50: popP50!, popularityP99: popP99! };
  } finally {
    for (const e of emitters) await e.close();
    await service.stop();
    await cluster.close();
  }
}

export const recommender: Scenario = {
  name: 'recommender',
  number: 8,
  title: 'recommender: learning throughput (two hops per interaction) and recommendation latency',
  fixtures: [interactionTopic],
  variants: [
    {
      name: 'learner',
      unavailable: gokaUnavailable,
      run: (ctx, fixtures, rep, log) => learner(ctx, fixtures, rep, log),
    },
    { name: 'model-math', run: (ctx) => math(ctx) },
    { name: 'rank-1k', run: (ctx, _f, _rep, log) => ranking(1_000, ctx, log) },
    { name: 'rank-10k', run: (ctx, _f, _rep, log) => ranking(10_000, ctx, log) },
  ],
  figures: [
    {
      figure: 'learning throughput',
      unit: 'interactions/s',
      variant: 'learner',
      measure: 'rate',
      baseline: { variant: 'model-math', measure: 'rate' },
    },
    {
      figure: 'recommendations p50, 1,000 candidates',
      unit: 'ms',
      variant: 'rank-1k',
      measure: 'p50',
      baseline: { variant: 'rank-1k', measure: 'popularityP50' },
    },
    {
      figure: 'recommendations p99, 1,000 candidates',
      unit: 'ms',
      variant: 'rank-1k',
      measure: 'p99',
      baseline: { variant: 'rank-1k', measure: 'popularityP99' },
    },
    {
      figure: 'recommendations p50, 10,000 candidates',
      unit: 'ms',
      variant: 'rank-10k',
      measure: 'p50',
      baseline: { variant: 'rank-10k', measure: 'popularityP50' },
    },
    {
      figure: 'recommendations p99, 10,000 candidates',
      unit: 'ms',
      variant: 'rank-10k',
      measure: 'p99',
      baseline: { variant: 'rank-10k', measure: 'popularityP99' },
    },
  ],
  parameters: (s) => ({
    users: USERS,
    partitions: s.partitions,
    storage: 'levelStorage (learner), memory (ranking)',
    factors: 16,
    k: 10,
    pairRowsPerCaller: 100,
  }),
  timeoutMs: () => 600_000,
};
