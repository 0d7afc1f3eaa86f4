/**
 * 8 segmentation: the segmentation service's two groups — per-user features (LevelDB table,
 * loopbacks to the recipients, a lookup of the model row) and the single-key model fed with
 * sampled points — on a pre-filled stream of interactions (the edge-set contract's shape), on
 * topics of this run. Throughput: from the processors' start (empty stores, new groups) until
 * every interaction, every loopback and every sampled point is processed and its effects are
 * acknowledged (committable offsets at the high-water marks); compared with scenario 3's plain
 * count processor. Lookups: a View of the features table, `get` + the prediction the API
 * returns (segment through the model's redirects), sequential, each timed.
 */

import { join } from 'node:path';
import type { Interaction } from '@showcase/contracts';
import { type Cluster, Emitter, json, levelStorage, memoryStorage, Processor, View } from '@showcase/goka';
import {
  defaultFeatureConfig,
  defaultModelConfig,
  type FeatureState,
  featuresGroup,
  MODEL_KEY,
  type ModelState,
  modelGroup,
  resolveSegment,
  type Topology,
} from '@showcase/segmentation';
import { ensureTopicsReady } from '@showcase/service-kit';
import { gokaCluster, gokaUnavailable } from '../cluster.ts';
import { keyOf, seededRandom } from '../data.ts';
import { uniqueName } from '../naming.ts';
import type { Fixture, Measurements, Scenario, TaskContext, Variant } from '../scenario.ts';
import { nowMs, Samples } from '../stats.ts';

const events = (ctx: TaskContext) => (ctx.mode === 'quick' ? 10_000 : 200_000);
/** A fifth of the benchmark's keys: 100 events per user at full size, so most users get segments. */
const usersOf = (ctx: TaskContext) => Math.max(100, Math.floor(ctx.sizes.keys / 5));
const lookups = (ctx: TaskContext) => (ctx.mode === 'quick' ? 2_000 : 20_000);
const TYPES = ['like', 'visit', 'pass', 'message'] as const;

interface EventsFixture {
  readonly topic: string;
  readonly records: number;
  readonly users: number;
}

/** Interactions of `keys` users in three behaviours (mostly likes, visits or passes). */
const interactionStream: Fixture = {
  name: 'segmentation-interactions',
  async create(ctx, log): Promise<EventsFixture> {
    const cluster = gokaCluster(ctx.brokers, 'bench-fixture-segmentation');
    const topic = uniqueName(ctx, 'segmentation-interactions');
    const records = events(ctx);
    const users = usersOf(ctx);
    try {
      await ensureTopicsReady(cluster, [{ name: topic, partitions: ctx.sizes.partitions }]);
      const emitter = new Emitter<Interaction>({ cluster, topic, codec: json<Interaction>() });
      const random = seededRandom(8);
      const started = nowMs();
      const window = 5_000;
      for (let from = 0; from < records; from += window) {
        const sends: Promise<unknown>[] = [];
        for (let i = from; i < Math.min(records, from + window); i++) {
          const u = Math.floor(random() * users);
          const habit = u % 3;
          const type = random() < 0.75 ? TYPES[habit]! : TYPES[Math.floor(random() * TYPES.length)]!;
          const from = keyOf(u, users);
          let to = keyOf(Math.floor(random() * users), users);
          if (to === from) to = `${to}-other`;
          sends.push(emitter.emit(from, { id: `b${i}`, from, to, type, at: 1_767_225_600_000 + i * 10 }));
        }
        await Promise.all(sends);
        if (from % 50_000 === 0 && from > 0) log(`${from}/${records} interactions written`);
      }
      await emitter.close();
      log(
        `${records} interactions of ${users} users in ${topic} (${((nowMs() - started) / 1000).toFixed(1)} s)`,
      );
      return { topic, records, users };
    } finally {
      await cluster.close();
    }
  },
};

/** Waits until every record of `topics` is processed and its effects acknowledged; logs progress. */
async function caughtUp(
  cluster: Cluster,
  processor: Processor<unknown, unknown>,
  topics: string[],
  log: (line: string) => void,
) {
  let lastLog = nowMs();
  for (;;) {
    if (processor.state === 'failed') throw processor.error;
    const stats = processor.stats();
    let done = stats.partitions.length > 0;
    const progress: string[] = [];
    for (const topic of topics) {
      let high = 0;
      let committed = 0;
      for (const offsets of await cluster.offsets(topic)) {
        const p = stats.partitions.find((x) => x.partition === offsets.partition);
        const at = Math.max(offsets.low, p?.positions[topic]?.committable ?? 0);
        if (at < offsets.high) done = false;
        high += offsets.high - offsets.low;
        committed += at - offsets.low;
      }
      progress.push(`${topic.split('-').slice(-2).join('-')} ${committed}/${high}`);
    }
    if (done && stats.partitions.every((p) => p.inFlight === 0)) return;
    if (nowMs() - lastLog > 10_000) {
      lastLog = nowMs();
      log(`${processor.group.name}: ${stats.partitions.length} partitions, ${progress.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const run: Variant['run'] = async (ctx, fixtures, rep, log): Promise<Measurements> => {
  const source = fixtures['segmentation-interactions'] as EventsFixture;
  const name = (part: string) => uniqueName(ctx, 'segmentation', part, rep);
  const topology: Topology = {
    features: name('features'),
    model: name('model'),
    messages: name('messages'),
    interactions: source.topic,
    matches: name('matches'),
    users: name('users'),
    points: name('points'),
    labels: name('labels'),
    changes: name('changes'),
  };
  const partitions = ctx.sizes.partitions;
  // Every topic up front, the groups' own included, and waited for until it serves: a processor
  // that creates its table on a fresh broker can meet "not the leader" while it checks it.
  // A client of its own makes them, so the processors' client reads their metadata fresh.
  const admin = gokaCluster(ctx.brokers, 'bench-segmentation-admin');
  try {
    await ensureTopicsReady(admin, [
      ...[
        topology.messages,
        topology.matches,
        topology.users,
        topology.points,
        topology.labels,
        topology.changes,
        `${topology.features}-loop`,
      ].map((topic) => ({ name: topic, partitions })),
      { name: `${topology.features}-table`, partitions, compacted: true },
      { name: `${topology.model}-table`, partitions, compacted: true },
    ]);
  } finally {
    await admin.close();
  }
  log('topics ready');
  const cluster = gokaCluster(ctx.brokers, 'bench-segmentation');
  const model = new Processor(modelGroup(defaultModelConfig, topology), {
    cluster,
    storage: levelStorage({ path: join(ctx.workDir, `segmentation-model-${rep}`) }),
  });
  const features = new Processor(featuresGroup(defaultFeatureConfig, topology), {
    cluster,
    storage: levelStorage({ path: join(ctx.workDir, `segmentation-features-${rep}`) }),
  });
  const view = new View({
    cluster,
    table: `${topology.features}-table`,
    codec: json<FeatureState>(),
    storage: levelStorage({ path: join(ctx.workDir, `segmentation-view-${rep}`) }),
  });
  const modelView = new View({
    cluster,
    table: `${topology.model}-table`,
    codec: json<ModelState>(),
    storage: memoryStorage(),
  });
  try {
    const started = nowMs();
    log('starting the model');
    await model.start();
    log('model running; starting the features');
    await features.start();
    log('features running');
    await caughtUp(
      cluster,
      features as Processor<unknown, unknown>,
      [source.topic, `${topology.features}-loop`],
      log,
    );
    const featuresMs = nowMs() - started;
    await caughtUp(cluster, model as Processor<unknown, unknown>, [topology.points], log);
    const elapsed = nowMs() - started;
    const points = (await cluster.offsets(topology.points)).reduce((s, p) => s + p.high, 0);
    const rate = (source.records * 1000) / elapsed;
    log(
      `${source.records} interactions in ${(elapsed / 1000).toFixed(1)} s (features ${(featuresMs / 1000).toFixed(1)} s): ` +
        `${Math.round(rate)} events/s, ${points} model points`,
    );

    await view.start();
    await modelView.start();
    const m = await modelView.get(MODEL_KEY);
    log(`model: ${m?.segments.length ?? 0} segments from ${m?.points ?? 0} points`);
    const random = seededRandom(80 + rep);
    const samples = new Samples();
    let assigned = 0;
    const n = lookups(ctx);
    const lookupStarted = nowMs();
    for (let i = 0; i < n; i++) {
      const user = keyOf(Math.floor(random() * source.users), source.users);
      const t = nowMs();
      const state = await view.get(user);
      const segment = state?.segment == null || !m ? null : resolveSegment(m, state.segment);
      samples.add(nowMs() - t);
      if (segment !== null) assigned++;
    }
    log(
      `${n} lookups in ${((nowMs() - lookupStarted) / 1000).toFixed(1)} s, ${assigned} users with a segment`,
    );
    const [p50, p99] = samples.percentiles(50, 99);
    return { rate, points: (points * 1000) / elapsed, p50: p50!, p99: p99! };
  } finally {
    await view.stop();
    await modelView.stop();
    await features.stop();
    await model.stop();
    await cluster.close();
  }
};

export const segmentation: Scenario = {
  name: 'segmentation',
  number: 8,
  title: 'segmentation: feature and model groups on an interaction stream; segment lookups',
  fixtures: [interactionStream],
  variants: [{ name: 'goka', unavailable: gokaUnavailable, run }],
  figures: [
    {
      figure: 'features + model, events/s',
      unit: 'msgs/s',
      variant: 'goka',
      measure: 'rate',
      baseline: { scenario: 'stateful', figure: 'count processor throughput' },
    },
    { figure: 'model points/s (sampled)', unit: 'msgs/s', variant: 'goka', measure: 'points' },
    { figure: 'segment lookup p50', unit: 'ms', variant: 'goka', measure: 'p50' },
    { figure: 'segment lookup p99', unit: 'ms', variant: 'goka', measure: 'p99' },
  ],
  parameters: (s) => ({
    interactions: { quick: 10_000, full: 200_000 },
    users: Math.max(100, Math.floor(s.keys / 5)),
    partitions: s.partitions,
    storage: 'levelStorage',
    sampleEvery: defaultFeatureConfig.sampleEvery,
    minEvents: defaultFeatureConfig.minEvents,
    lookups: { quick: 2_000, full: 20_000 },
  }),
  timeoutMs: () => 600_000,
};
