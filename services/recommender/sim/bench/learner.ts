/**
 * The learner's cost per interaction, old model against new on the same seeded stream (issue 24:
 * the neighbour lists must not undo the throughput work; goal ≥ 5,000 interactions/s through the
 * learner alone). Two figures per variant, repetitions interleaved (old, new, old, new, …):
 *
 * - steps: the three steps (rate, applyRate, applyFeedback) as function calls, with the JSON
 *   encoding and decoding of both loop messages and both row writes the processor pays;
 * - group: the learner group on goka's tester (memory cluster, no broker): every interaction
 *   produced to the input topic, the clock stops when the processor is idle (both hops done and
 *   both rows written).
 *
 * `old` is the factorisation alone (LEARN_NEIGHBOURS=0: exactly the model before issue 24);
 * `new` keeps the neighbour lists (default 100 ids per list).
 *
 *   npx tsx services/recommender/sim/bench/learner.ts [--interactions 50000] [--users 1000] [--reps 3] [--json file]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Interaction, interactions } from '@showcase/contracts';
import { createTester, partitionFor } from '@showcase/goka';
import { quantile, seeded } from '@showcase/simkit';
import { applyFeedback, applyRate, type LearnerLoop, rateOf } from '../../src/learn-steps.ts';
import { defaultLearnerConfig, type LearnerConfig, type ModelRow, rowFor } from '../../src/model.ts';
import { learnerGroup } from '../../src/processors/learner.ts';
import { defaultSignalWeights } from '../../src/signals.ts';

const { values } = parseArgs({
  options: {
    interactions: { type: 'string', default: '50000' },
    users: { type: 'string', default: '1000' },
    reps: { type: 'string', default: '3' },
    json: { type: 'string' },
  },
});
const N = Number(values.interactions);
const USERS = Number(values.users);
const REPS = Number(values.reps);

/** Likes 30 %, passes 70 %, actors and targets uniform: ~N/USERS decisions given and received each. */
function stream(): Interaction[] {
  const random = seeded(24);
  return Array.from({ length: N }, (_, i) => {
    const from = `u${Math.floor(random() * USERS)}`;
    let to = `u${Math.floor(random() * USERS)}`;
    if (to === from) to = `u${(Number(from.slice(1)) + 1) % USERS}`;
    return { id: `i${i}`, from, to, type: random() < 0.3 ? 'like' : 'pass', at: 1_700_000_000_000 + i };
  });
}

const variants: Record<'old' | 'new', LearnerConfig> = {
  old: { ...defaultLearnerConfig, neighbours: 0 },
  new: defaultLearnerConfig,
};

/** Function calls plus the JSON round trips of the two loop messages and the two row writes. */
function steps(
  config: LearnerConfig,
  events: readonly Interaction[],
): { perSecond: number; rowBytes: number } {
  const rows = new Map<string, string>();
  const read = (u: string) =>
    rowFor(u, rows.has(u) ? (JSON.parse(rows.get(u)!) as ModelRow) : undefined, config);
  const t0 = performance.now();
  for (const i of events) {
    const rate = rateOf(read(i.from), i, defaultSignalWeights, i.at);
    if (!rate) continue;
    const m = JSON.parse(JSON.stringify(rate)) as Extract<LearnerLoop, { kind: 'rate' }>;
    const { row, feedback } = applyRate(read(i.to), m, config);
    rows.set(i.to, JSON.stringify(row));
    if (!feedback) continue;
    const f = JSON.parse(JSON.stringify(feedback)) as Extract<LearnerLoop, { kind: 'feedback' }>;
    rows.set(i.from, JSON.stringify(applyFeedback(read(i.from), f, config)));
  }
  const ms = performance.now() - t0;
  let bytes = 0;
  for (const r of rows.values()) bytes += r.length;
  return { perSecond: events.length / (ms / 1000), rowBytes: bytes / rows.size };
}

async function group(config: LearnerConfig, events: readonly Interaction[]): Promise<number> {
  const partitions = 4;
  const tester = createTester({ partitions, idleTimeoutMs: 600_000 });
  try {
    const g = learnerGroup(config, defaultSignalWeights);
    await tester.processor(g);
    await tester.cluster.ensureTopics([{ name: interactions.name, partitions }]);
    const producer = tester.cluster.producer();
    const records = events.map((i) => {
      const key = Buffer.from(i.from);
      return {
        topic: interactions.name,
        partition: partitionFor(key, partitions),
        key,
        value: interactions.codec.encode(i),
      };
    });
    const t0 = performance.now();
    for (let at = 0; at < records.length; at += 1000) await producer.send(records.slice(at, at + 1000));
    await tester.waitIdle();
    const ms = performance.now() - t0;
    let given = 0;
    for (let u = 0; u < USERS; u++) given += tester.tableValue<ModelRow>(g, `u${u}`)?.given ?? 0;
    if (given !== events.length) throw new Error(`learned ${given} of ${events.length} interactions`);
    return events.length / (ms / 1000);
  } finally {
    await tester.stop();
  }
}

const events = stream();
const figures = {
  old: { steps: [] as number[], group: [] as number[], rowBytes: 0 },
  new: { steps: [] as number[], group: [] as number[], rowBytes: 0 },
};
console.log(`${N} interactions among ${USERS} users (30 % likes), ${REPS} repetitions, interleaved old/new`);
for (let rep = 0; rep < REPS; rep++) {
  for (const name of ['old', 'new'] as const) {
    const s = steps(variants[name], events);
    const g = await group(variants[name], events);
    figures[name].steps.push(s.perSecond);
    figures[name].group.push(g);
    figures[name].rowBytes = s.rowBytes;
    console.log(`  rep ${rep + 1} ${name}: steps ${s.perSecond.toFixed(0)}/s, group ${g.toFixed(0)}/s`);
  }
}
const median = (xs: number[]) => quantile(xs, 0.5);
const report = {
  interactions: N,
  users: USERS,
  reps: REPS,
  old: {
    stepsPerSecond: median(figures.old.steps),
    groupPerSecond: median(figures.old.group),
    rowBytes: figures.old.rowBytes,
  },
  new: {
    stepsPerSecond: median(figures.new.steps),
    groupPerSecond: median(figures.new.group),
    rowBytes: figures.new.rowBytes,
  },
};
console.log('');
console.log('learner     steps (inter./s)   group on the memory cluster (inter./s)   mean row (bytes)');
for (const name of ['old', 'new'] as const) {
  const r = report[name];
  console.log(
    `${name.padEnd(10)} ${r.stepsPerSecond.toFixed(0).padStart(17)}   ${r.groupPerSecond.toFixed(0).padStart(38)}   ${r.rowBytes.toFixed(0).padStart(16)}`,
  );
}
console.log(
  `new / old: steps ${(report.new.stepsPerSecond / report.old.stepsPerSecond).toFixed(2)}×, group ${(report.new.groupPerSecond / report.old.groupPerSecond).toFixed(2)}× (goal: new group ≥ 5,000/s)`,
);
console.log(JSON.stringify(report));
if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
