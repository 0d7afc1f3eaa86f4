/**
 * The recommender simulator: a seeded population with planted tastes swipes through edge-set's
 * API (profiles and locations through match-search's), a share of every user's candidates is
 * held out, and recall@10 / NDCG@10 of mutual-interest users among those unseen candidates is
 * measured for three rankings of the same service in the same run: reciprocal (the service),
 * one-sided (same model, one direction) and popularity (likes received). Then: how fast a new
 * like changes the liker's recommendations.
 *
 *   npm run simulate -- recommender            # starts match-search, edge-set, recommender
 *   npx tsx services/recommender/src/simulator/main.ts --direct
 *                                              # recommender in-process; the simulator writes
 *                                              # the contract topics of the other two itself
 *
 * Bounded: fixed population, a concurrency limit, request timeouts, a deadline for settling.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { assertLoopback, pool, quantile, Random, sleep } from '@showcase/simkit';
import type { Ranking } from '../ranker.ts';
import { type Driver, directDriver, httpDriver } from './drivers.ts';
import { evaluateRankings } from './evaluate.ts';
import { buildPopulation, type PopulationOptions, planSwipes } from './population.ts';

/** Started together by `npm run simulate -- recommender`, in this order. */
export const services = ['match-search', 'edge-set', 'recommender'] as const;

export const usage = `npm run simulate -- recommender [options]
  --users <n>          population size (default 400)
  --kinds <n>          kinds of users (default 6); each user prefers --preferred of them (default 2)
  --holdout <r>        share of each user's candidates never swiped, evaluated on (default 0.3)
  --radius <km>        radiusKm of the queries (default 100)
  --concurrency <n>    parallel HTTP requests (default 16)
  --probes <n>         new-like latency probes (default 30)
  --seed <n>           PRNG seed (default 42)
  --json <file>        also write the report as JSON
  --direct             (running this file with tsx only) recommender in-process, no other service
  --env K=V            (with --direct) recommender settings, e.g. LEARN_RATE=0.05`;

interface Options {
  users: number;
  kinds: number;
  preferred: number;
  holdout: number;
  radius: number;
  concurrency: number;
  probes: number;
  seed: number;
  json: string | undefined;
  direct: boolean;
  env: Record<string, string>;
}

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      users: { type: 'string', default: '400' },
      kinds: { type: 'string', default: '6' },
      preferred: { type: 'string', default: '2' },
      holdout: { type: 'string', default: '0.3' },
      radius: { type: 'string', default: '100' },
      concurrency: { type: 'string', default: '16' },
      probes: { type: 'string', default: '30' },
      seed: { type: 'string', default: '42' },
      json: { type: 'string' },
      direct: { type: 'boolean', default: false },
      env: { type: 'string', multiple: true, default: [] },
    },
    allowPositionals: false,
  });
  const num = (name: string, raw: string | undefined, min: number, max: number) => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new Error(`--${name} must be a number in [${min}, ${max}] (got "${raw}")`);
    return n;
  };
  const env: Record<string, string> = {};
  for (const kv of values.env ?? []) {
    const [k, ...v] = kv.split('=');
    if (!k) throw new Error('--env needs KEY=VALUE');
    env[k] = v.join('=');
  }
  const kinds = Math.round(num('kinds', values.kinds, 2, 100));
  return {
    users: Math.round(num('users', values.users, 20, 20_000)),
    kinds,
    preferred: Math.round(num('preferred', values.preferred, 1, kinds - 1)),
    holdout: num('holdout', values.holdout, 0.05, 0.95),
    radius: num('radius', values.radius, 1, 500),
    concurrency: Math.round(num('concurrency', values.concurrency, 1, 256)),
    probes: Math.round(num('probes', values.probes, 0, 1000)),
    seed: Math.round(num('seed', values.seed, 0, 2 ** 32 - 1)),
    json: values.json,
    direct: values.direct ?? false,
    env,
  };
}

const f = (n: number, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const RANKINGS: readonly Ranking[] = ['reciprocal', 'one-sided', 'popularity'];

export async function run(driver: Driver, options: Options, log: (line: string) => void) {
  const rand = new Random(options.seed);
  const prefix = `r${options.seed}-${Date.now().toString(36)}-`;
  const population: PopulationOptions = {
    users: options.users,
    kinds: options.kinds,
    preferred: options.preferred,
    likePreferred: 0.85,
    likeOther: 0.1,
    radiusKm: options.radius,
    prefix,
  };
  const users = buildPopulation(rand, population);
  const byId = new Map(users.map((u) => [u.id, u]));
  const plan = planSwipes(rand, users, population, options.holdout);
  const likes = plan.swipes.filter((s) => s.type === 'like').length;
  log(
    `${driver.name}: ${users.length} users, ${options.kinds} kinds (${options.preferred} preferred each), ` +
      `${plan.swipes.length} swipes (${likes} likes), holdout ${options.holdout}, seed ${options.seed}`,
  );

  await pool(users, options.concurrency, (u) => driver.setUser(u.id, u.profile, u.location));
  log(`profiles and locations set for ${users.length} users`);

  const before = await driver.learned();
  const t0 = performance.now();
  await pool(plan.swipes, options.concurrency, async (s) => driver.interact(s.from, s.to, s.type), {
    every: 2000,
    report: (done) => log(`  swipes sent: ${done}/${plan.swipes.length}`),
  });
  const sentMs = performance.now() - t0;
  log(`swipes sent in ${(sentMs / 1000).toFixed(1)} s (${f(plan.swipes.length / (sentMs / 1000), 0)}/s)`);

  // Settle: the learner has finished both hops of every swipe (or stopped making progress).
  let learned = 0;
  let stalledSince = performance.now();
  let lastLearned = -1;
  while (true) {
    learned = (await driver.learned()) - before;
    if (learned >= plan.swipes.length) break;
    if (learned !== lastLearned) {
      lastLearned = learned;
      stalledSince = performance.now();
    } else if (performance.now() - stalledSince > 20_000) {
      log(`learner stalled at ${learned}/${plan.swipes.length} learned interactions; evaluating anyway`);
      break;
    }
    await sleep(200);
  }
  const learnMs = performance.now() - t0;
  log(
    `learned ${learned}/${plan.swipes.length} interactions in ${(learnMs / 1000).toFixed(1)} s ` +
      `(${f(learned / (learnMs / 1000), 0)}/s end to end, bounded by how fast the swipes were sent)`,
  );

  // edge-set's pair table (the exclusions) follows the swipes at its own pace: wait for it too.
  if (driver.decisions) {
    const expected = new Map<string, number>();
    for (const s of plan.swipes) expected.set(s.from, (expected.get(s.from) ?? 0) + 1);
    const deadline = performance.now() + 120_000;
    let behind = [...expected.keys()];
    while (behind.length > 0 && performance.now() < deadline) {
      const still: string[] = [];
      await pool(behind, options.concurrency, async (user) => {
        if ((await driver.decisions!(user)) < expected.get(user)!) still.push(user);
      });
      behind = still;
      if (behind.length > 0) await sleep(500);
    }
    log(
      behind.length === 0
        ? 'edge-set shows every swipe as an edge'
        : `edge-set still behind for ${behind.length} users after 120 s; evaluating anyway`,
    );
  }

  // Evaluation: every user with at least one mutual-interest user among its unseen candidates.
  const swiped = new Set(plan.swipes.map((s) => `${s.from}>${s.to}`));
  const evaluation = await evaluateRankings({
    users,
    unseen: plan.unseen,
    swiped,
    radiusKm: options.radius,
    concurrency: options.concurrency,
    recommend: (user, k, radiusKm, ranking) => driver.recommend(user, k, radiusKm, ranking),
  });
  const summary = evaluation.rankings;
  const evaluated = evaluation.evaluatedUsers;
  const { outsideRules, alreadySwiped } = evaluation.ruleViolations;

  // New like → the liker's recommendations change (the liked user leaves them).
  const latencies: number[] = [];
  let unchanged = 0;
  const probeUsers = rand.shuffle([...users]).slice(0, options.probes);
  for (const u of probeUsers) {
    const top = await driver.recommend(u.id, 10, options.radius, 'reciprocal');
    const v = top[0]?.user;
    if (!v || !byId.has(v)) continue;
    const start = performance.now();
    await driver.interact(u.id, v, 'like');
    let changed = false;
    while (performance.now() - start < 10_000) {
      const now = await driver.recommend(u.id, 10, options.radius, 'reciprocal');
      if (!now.some((i) => i.user === v)) {
        changed = true;
        break;
      }
      await sleep(20);
    }
    if (changed) latencies.push(performance.now() - start);
    else unchanged++;
  }

  const rec = summary.reciprocal;
  const report = {
    driver: driver.name,
    options: { ...options, json: undefined },
    swipes: plan.swipes.length,
    likes,
    learned,
    evaluatedUsers: evaluated,
    rankings: summary,
    ratios: {
      recallVsPopularity: rec.recall10 / summary.popularity.recall10,
      recallVsOneSided: rec.recall10 / summary['one-sided'].recall10,
    },
    ruleViolations: { outsideRules, alreadySwiped },
    newLike: {
      probes: latencies.length,
      unchangedAfter10s: unchanged,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
      maxMs: latencies.length > 0 ? Math.max(...latencies) : Number.NaN,
    },
  };
  log('');
  log(
    `ranking      recall@10  NDCG@10   (${evaluated} users, mutual-interest users among unseen candidates)`,
  );
  for (const r of RANKINGS) {
    log(`${r.padEnd(12)} ${f(summary[r].recall10).padStart(9)}  ${f(summary[r].ndcg10).padStart(7)}`);
  }
  log(
    `reciprocal / popularity = ${f(report.ratios.recallVsPopularity, 2)}× (goal ≥ 3×), ` +
      `reciprocal / one-sided = ${f(report.ratios.recallVsOneSided, 2)}× (goal ≥ 1.5×)`,
  );
  log(`rule violations: ${outsideRules} outside the candidate rules, ${alreadySwiped} already swiped`);
  log(
    `new like → liker's recommendations changed: p50 ${f(report.newLike.p50Ms, 0)} ms, ` +
      `p99 ${f(report.newLike.p99Ms, 0)} ms over ${latencies.length} probes (goal p99 ≤ 2000 ms)` +
      (unchanged > 0 ? `, ${unchanged} unchanged after 10 s` : ''),
  );
  if (options.json) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** Entry point of `npm run simulate -- recommender` (e2e/src/simulate.ts). */
export async function simulate(
  target: { url: string; urls: Readonly<Record<string, string>>; secret: string },
  args: string[],
  log: (line: string) => void = console.log,
) {
  const options = parseOptions(args);
  if (options.direct)
    throw new Error(
      '--direct runs without services: npx tsx services/recommender/src/simulator/main.ts --direct',
    );
  for (const url of Object.values(target.urls)) assertLoopback(url);
  const driver = httpDriver(target.urls, target.secret);
  try {
    return await run(driver, options, log);
  } finally {
    await driver.close();
  }
}

async function direct(args: string[]): Promise<void> {
  const options = parseOptions(args);
  if (!options.direct) {
    console.error('run through `npm run simulate -- recommender`, or pass --direct');
    process.exitCode = 2;
    return;
  }
  const driver = await directDriver(options.env);
  try {
    await run(driver, options, console.log);
  } finally {
    await driver.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  direct(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
