/**
 * What the neighbourhood signals cost per GET recommendations: the service's Ranker over
 * in-memory rows (as the mirrors hold them), 1,000 candidates within the radius, every row with
 * full neighbour lists (100 ids each: the worst case the cap allows), k = 10. Baseline in the
 * same run, requests interleaved: RANK_NEIGHBOUR_WEIGHT=0 (the factorisation alone, the model
 * before issue 24) and the neighbourhood walks without the refinement over the candidates. Fastify, auth and the pair-table range scan are not in these figures (the
 * repo bench's `recommender` scenario measures the whole request).
 *
 *   npx tsx services/recommender/sim/bench/ranking.ts [--candidates 1000] [--requests 300] [--json file]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { seeded } from '@showcase/simkit';
import { defaultAffinityConfig } from '../../src/affinity.ts';
import { createCandidateIndex } from '../../src/candidate-index.ts';
import { defaultLearnerConfig, emptyRow, type ModelRow } from '../../src/model.ts';
import { Ranker, type Searchable } from '../../src/ranker.ts';

const { values } = parseArgs({
  options: {
    candidates: { type: 'string', default: '1000' },
    requests: { type: 'string', default: '300' },
    json: { type: 'string' },
  },
});
const N = Number(values.candidates);
const REQUESTS = Number(values.requests);
const CAP = defaultLearnerConfig.neighbours;
const random = seeded(24);
const id = (i: number) => `u${i}`;
const some = (n: number) => Array.from({ length: n }, () => id(Math.floor(random() * N)));

const people = new Map<string, Searchable>();
const rows = new Map<string, ModelRow>();
const index = createCandidateIndex();
for (let i = 0; i < N; i++) {
  const location = { lat: 52.52 + (random() - 0.5) * 0.4, lon: 13.4 + (random() - 0.5) * 0.6 };
  people.set(id(i), {
    profile: { age: 30, gender: 'female', seeking: ['female'], ageMin: 18, ageMax: 60 },
    location,
  });
  index.set(id(i), location);
  rows.set(id(i), {
    ...emptyRow(id(i), defaultLearnerConfig),
    liked: some(CAP),
    passed: some(CAP),
    likedBy: some(CAP),
    passedBy: some(CAP),
  });
}
const ready = async () => {};
const ranker = (neighbourWeight: number, refine = defaultAffinityConfig.refine) =>
  new Ranker(
    {
      users: { get: (k) => people.get(k), ready },
      model: { get: (k) => rows.get(k), ready },
      spamBlocked: { get: () => undefined, ready },
      exclusions: async () => new Set<string>(),
      index,
    },
    defaultLearnerConfig,
    {
      exploreShare: 0.1,
      exploreMinReceived: 5,
      neighbourWeight,
      affinity: { ...defaultAffinityConfig, ...(refine === undefined ? {} : { refine }) },
    },
  );
// `walks only`: the neighbourhood signals without the refinement over the candidates (before it).
const names = ['factorisation', 'walks only', 'neighbourhood'] as const;
const variants = { factorisation: ranker(0), 'walks only': ranker(0.995, 0), neighbourhood: ranker(0.995) };
const times = { factorisation: [] as number[], 'walks only': [] as number[], neighbourhood: [] as number[] };
let candidates = 0;
for (let r = 0; r < REQUESTS; r++) {
  const caller = id(Math.floor(random() * N));
  for (const name of names) {
    const t0 = performance.now();
    const result = await variants[name].rank(caller, { k: 10, radiusKm: 100 });
    times[name].push(performance.now() - t0);
    if (result.ok) candidates = result.candidates;
  }
}
const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const report = {
  candidates,
  requests: REQUESTS,
  listsPerRow: 4,
  idsPerList: CAP,
  factorisation: { p50Ms: q(times.factorisation, 0.5), p99Ms: q(times.factorisation, 0.99) },
  walksOnly: { p50Ms: q(times['walks only'], 0.5), p99Ms: q(times['walks only'], 0.99) },
  neighbourhood: { p50Ms: q(times.neighbourhood, 0.5), p99Ms: q(times.neighbourhood, 0.99) },
};
console.log(
  `${candidates} candidates per request, rows with 4 lists of ${CAP} ids, ${REQUESTS} requests each, interleaved`,
);
console.log('ranking          p50 ms   p99 ms');
for (const name of names) {
  const t = name === 'walks only' ? report.walksOnly : report[name];
  console.log(`${name.padEnd(15)} ${t.p50Ms.toFixed(2).padStart(7)}  ${t.p99Ms.toFixed(2).padStart(7)}`);
}
console.log(JSON.stringify(report));
if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
