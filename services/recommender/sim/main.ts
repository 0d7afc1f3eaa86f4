/**
 * The recommender simulator: a seeded population with planted tastes swipes through edge-set's
 * API (profiles and locations through match-search's), a share of every user's candidates is
 * held out, and recall@10 / NDCG@10 of mutual-interest users among those unseen candidates is
 * measured for three rankings of the same service in the same run: reciprocal (the service),
 * one-sided (same model, one direction) and popularity (likes received). Then: how fast a new
 * like changes the liker's recommendations.
 *
 *   npm run simulate -- recommender            # starts match-search, edge-set, recommender
 *   npx tsx services/recommender/sim/main.ts --direct
 *                                              # recommender in-process; the simulator writes
 *                                              # the contract topics of the other two itself
 *
 * Bounded: fixed population, a concurrency limit, request timeouts, a deadline for settling.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { assertLoopback, pool, quantile, Random, sleep } from '@showcase/simkit';
import { type Driver, directDriver, httpDriver, offlineDriver } from './drivers.ts';
import { evaluateRankings } from './evaluate.ts';
import { type Options, parseOptions, usage } from './options.ts';
import {
  buildPopulation,
  candidatesOf,
  type Plan,
  type PopulationOptions,
  planSwipes,
  type SimUser,
  type Swipe,
} from './population.ts';
import { type CheckpointRow, formatTable } from './table.ts';

export { usage };

/** Started together by `npm run simulate -- recommender`, in this order. */
export const services = ['match-search', 'edge-set', 'recommender'] as const;

const f = (n: number, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export function population(options: Options, prefix: string): PopulationOptions {
  return {
    users: options.users,
    kinds: options.kinds,
    preferred: options.preferred,
    likePreferred: 0.85,
    likeOther: 0.1,
    radiusKm: options.radius,
    prefix,
    tastes: options.tastes,
    partnerShare: options.partnerShare,
    farShare: options.farShare,
  };
}

/** Swipes sent per user at each evaluation: the checkpoints below the last round, then the end. */
function checkpointsOf(plan: Plan, wanted: readonly number[]): number[] {
  const rounds = plan.swipes.reduce((m, s) => Math.max(m, s.round + 1), 0);
  const cut = wanted.filter((c) => c < rounds);
  return [...cut, rounds];
}

export async function run(driver: Driver, options: Options, log: (line: string) => void) {
  const rand = new Random(options.seed);
  const prefix = `r${options.seed}-${Date.now().toString(36)}-`;
  const tastes = population(options, prefix);
  const users = buildPopulation(rand, tastes);
  const byId = new Map(users.map((u) => [u.id, u]));
  const plan = planSwipes(rand, users, tastes, options.holdout, {
    ...(options.swipes !== undefined ? { maxSwipes: options.swipes } : {}),
    coldShare: options.coldShare,
    coldSwipes: options.coldSwipes,
  });
  const likes = plan.swipes.filter((s) => s.type === 'like').length;
  const checkpoints = checkpointsOf(plan, options.checkpoints);
  log(
    `${driver.name}: preset ${options.preset}, ${users.length} users, ${options.kinds} kinds (${options.tastes} tastes), ` +
      `${plan.swipes.length} swipes (${likes} likes), ${plan.cold.size} cold users (≤ ${options.coldSwipes} swipes), ` +
      `holdout ${options.holdout}, checkpoints ${checkpoints.join('/')}, seed ${options.seed}`,
  );

  await pool(users, options.concurrency, (u) => driver.setUser(u.id, u.profile, u.location));
  log(`profiles and locations set for ${users.length} users`);

  const candidates = new Map(users.map((u) => [u.id, candidatesOf(u, users, options.radius)]));
  const swiped = new Set<string>();
  const sentBy = new Map<string, number>();
  const before = await driver.learned();
  const rows: CheckpointRow[] = [];
  let sent = 0;
  const t0 = performance.now();
  for (const c of checkpoints) {
    const batch: Swipe[] = [];
    while (sent < plan.swipes.length && plan.swipes[sent]!.round < c) batch.push(plan.swipes[sent++]!);
    await pool(batch, options.concurrency, async (s) => driver.interact(s.from, s.to, s.type), {
      every: 4000,
      report: (done) => log(`  swipes sent: ${done}/${batch.length} (up to ${c} per user)`),
    });
    for (const s of batch) {
      swiped.add(`${s.from}>${s.to}`);
      sentBy.set(s.from, (sentBy.get(s.from) ?? 0) + 1);
    }
    const sentMs = performance.now() - t0;
    log(`${sent} swipes sent after ${(sentMs / 1000).toFixed(1)} s (${f(sent / (sentMs / 1000), 0)}/s)`);
    const learned = await settle(driver, before, sent, log);
    log(`learned ${learned}/${sent} interactions after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await settleEdges(driver, sentBy, options.concurrency, log);
    await settleClusters(driver, log);

    const unseen = new Map(
      users.map((u) => [u.id, candidates.get(u.id)!.filter((v) => !swiped.has(`${u.id}>${v.id}`))]),
    );
    const evaluate = (callers: readonly SimUser[]) =>
      evaluateRankings({
        users,
        callers,
        unseen,
        swiped,
        radiusKm: options.radius,
        concurrency: options.concurrency,
        truth: tastes,
        recommend: (user, k, radiusKm, ranking) => driver.recommend(user, k, radiusKm, ranking),
      });
    const warm = users.filter((u) => !plan.cold.has(u.id));
    const cold = users.filter((u) => plan.cold.has(u.id));
    rows.push({ label: `${c} swipes/user`, swipesPerUser: c, users: 'warm', scores: await evaluate(warm) });
    if (cold.length > 0)
      rows.push({
        label: `  cold (≤${options.coldSwipes})`,
        swipesPerUser: c,
        users: 'cold',
        scores: await evaluate(cold),
      });
    for (const line of formatTable(rows.slice(-2))) log(line);
  }

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

  const last = [...rows].reverse().find((r) => r.users === 'warm')!;
  const summary = last.scores.rankings;
  const violations = rows.reduce(
    (v, r) => ({
      outsideRules: v.outsideRules + r.scores.ruleViolations.outsideRules,
      alreadySwiped: v.alreadySwiped + r.scores.ruleViolations.alreadySwiped,
    }),
    { outsideRules: 0, alreadySwiped: 0 },
  );
  const report = {
    driver: driver.name,
    options: { ...options, json: undefined },
    swipes: plan.swipes.length,
    likes,
    evaluatedUsers: last.scores.evaluatedUsers,
    rankings: summary,
    truth: last.scores.truth,
    checkpoints: rows,
    ratios: {
      recallVsPopularity: summary.reciprocal.recall10 / summary.popularity.recall10,
      recallVsOneSided: summary.reciprocal.recall10 / summary['one-sided'].recall10,
      recallVsTruthOneSided:
        summary.reciprocal.recall10 / (last.scores.truth?.['truth-one-sided'].recall10 ?? Number.NaN),
      recallVsCeiling:
        summary.reciprocal.recall10 / (last.scores.truth?.['truth-reciprocal'].recall10 ?? Number.NaN),
    },
    ruleViolations: violations,
    newLike: {
      probes: latencies.length,
      unchangedAfter10s: unchanged,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
      maxMs: latencies.length > 0 ? Math.max(...latencies) : Number.NaN,
    },
  };
  log('');
  log('recall@10 of mutual-interest users among unseen candidates (truth-*: from the planted tastes):');
  for (const line of formatTable(rows)) log(line);
  log('goals: rec/pop ≥ 3× and rec/truth-1 ≥ 1.2× after 50 swipes per user; rec/ceiling ≥ 0.8× after 100');
  log(
    `rule violations: ${violations.outsideRules} outside the candidate rules, ${violations.alreadySwiped} already swiped`,
  );
  log(
    `new like → liker's recommendations changed: p50 ${f(report.newLike.p50Ms, 0)} ms, ` +
      `p99 ${f(report.newLike.p99Ms, 0)} ms over ${latencies.length} probes (goal p99 ≤ 2000 ms)` +
      (unchanged > 0 ? `, ${unchanged} unchanged after 10 s` : ''),
  );
  if (options.json) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** The learner has finished both hops of every swipe sent (or stopped making progress). */
async function settle(driver: Driver, before: number, expected: number, log: (l: string) => void) {
  let learned = 0;
  let stalledSince = performance.now();
  let lastLearned = -1;
  while (true) {
    learned = (await driver.learned()) - before;
    if (learned >= expected) return learned;
    if (learned !== lastLearned) {
      lastLearned = learned;
      stalledSince = performance.now();
    } else if (performance.now() - stalledSince > 20_000) {
      log(`learner stalled at ${learned}/${expected} learned interactions; evaluating anyway`);
      return learned;
    }
    await sleep(200);
  }
}

/** The co-clustering is refitted on a timer after the model changed: wait for its fit too. */
async function settleClusters(driver: Driver, log: (l: string) => void) {
  if (!driver.clustersBehind) return;
  const deadline = performance.now() + 60_000;
  while ((await driver.clustersBehind()) > 0) {
    if (performance.now() > deadline) {
      log('the co-clustering did not catch up with the model in 60 s; evaluating anyway');
      return;
    }
    await sleep(200);
  }
}

/** edge-set's pair table (the exclusions) follows the swipes at its own pace: wait for it too. */
async function settleEdges(
  driver: Driver,
  expected: ReadonlyMap<string, number>,
  concurrency: number,
  log: (l: string) => void,
) {
  if (!driver.decisions) return;
  const deadline = performance.now() + 120_000;
  let behind = [...expected.keys()];
  while (behind.length > 0 && performance.now() < deadline) {
    const still: string[] = [];
    await pool(behind, concurrency, async (user) => {
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

/** Entry point of `npm run simulate -- recommender` (e2e/src/simulate.ts). */
/** Bad options fail before simulate.ts starts a broker and the services. */
export function validate(args: string[]): void {
  parseOptions(args);
}

export async function simulate(
  target: { url: string; urls: Readonly<Record<string, string>>; secret: string },
  args: string[],
  log: (line: string) => void = console.log,
) {
  const options = parseOptions(args);
  if (options.direct || options.offline)
    throw new Error('--direct runs without services: npx tsx services/recommender/sim/main.ts --direct');
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
  if (!options.direct && !options.offline) {
    console.error('run through `npm run simulate -- recommender`, or pass --direct or --offline');
    process.exitCode = 2;
    return;
  }
  const driver = options.offline ? offlineDriver(options.env) : await directDriver(options.env);
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
