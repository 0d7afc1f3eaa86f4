/**
 * The match-search simulator: a seeded population joins over HTTP, then moves and goes on- and
 * offline at a steady rate while probes measure freshness (PUT location → the mover shows up in
 * an observer's GET nearby at its new distance). After the traffic it checks correctness:
 * precision and recall of GET nearby against a brute-force scan of what the simulator itself
 * sent (plus exact order). Run through `npm run simulate -- match-search`. Loopback targets only;
 * bounded: fixed duration, concurrency limit, timeouts.
 */

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { assertLoopback, Http, optionInt, pool, quantile } from '@showcase/simkit';
import { applyUserUpdate } from '../src/processors/users.ts';
import type { NearbyUser } from '../src/search/user-directory.ts';
import { bruteForceNearby, type World } from './oracle.ts';
import { CityPopulation } from './population.ts';

export const usage = `npm run simulate -- match-search [options]
  --users <n>         population size (default 1000)
  --cities <n>        clusters the population lives in (default 5)
  --rate <n>          location/presence updates per second during the traffic (default 200)
  --seconds <n>       duration of the traffic (default 20)
  --concurrency <n>   parallel HTTP requests (default 24; 1,000 updates/s needs ~300 at 250 ms a PUT)
  --queries <n>       nearby queries checked against brute force after the traffic (default 300)
  --seed <n>          PRNG seed (default 7)
  --probes <n>        users that time freshness (default 40, at most a tenth of --users; 0: none)
  --settle <s>        after the traffic, how long a nearby answer may take to match the
                      brute force (the last accepted updates becoming visible; default 30)
  --json <file>       also write the report as JSON`;

interface Target {
  readonly url: string;
  readonly secret: string;
}

function options(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      users: { type: 'string', default: '1000' },
      cities: { type: 'string', default: '5' },
      rate: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '20' },
      concurrency: { type: 'string', default: '24' },
      queries: { type: 'string', default: '300' },
      seed: { type: 'string', default: '7' },
      probes: { type: 'string', default: '40' },
      settle: { type: 'string', default: '30' },
      json: { type: 'string' },
    },
  });
  const int = optionInt;
  return {
    users: int('users', values.users, 10, 200_000),
    cities: int('cities', values.cities, 1, 1000),
    rate: int('rate', values.rate, 1, 10_000),
    seconds: int('seconds', values.seconds, 1, 600),
    concurrency: int('concurrency', values.concurrency, 1, 1024),
    queries: int('queries', values.queries, 1, 100_000),
    seed: int('seed', values.seed, 0, 2 ** 31),
    probes: int('probes', values.probes, 0, 1000),
    settle: int('settle', values.settle, 0, 600),
    json: values.json,
  };
}

/** Bad options fail before simulate.ts starts a broker and the services. */
export function validate(args: string[]): void {
  options(args);
}

export async function simulate(target: Target, args: string[], log: (line: string) => void = console.log) {
  const o = options(args);
  assertLoopback(target.url);
  const run = `sim${Date.now().toString(36)}`;
  const pop = new CityPopulation(o.seed, o.cities);
  const rnd = pop.rnd;
  const world: World = { users: new Map(), spamBlocked: new Set(), blockPairs: new Set() };
  // Generous timeout: on a loaded 2-core machine, PUTs at 400 in flight took over 10 s.
  const http = new Http(target.url.replace(/\/$/, ''), target.secret, 30_000);
  const request = (method: string, path: string, user: string, body?: unknown) =>
    http.call<{ users?: NearbyUser[] }>(method, path, user, body);
  /**
   * A PUT the simulator counts as applied once the service accepted it (202). One write per user
   * at a time: the order of a user's updates is the order they were accepted (docs/contracts.md), so
   * a second PUT sent before the first one's 202 has no defined order relative to it, and the
   * oracle (which applies in the order of the 202s) could hold a state the service never had.
   */
  const writing = new Set<string>();
  let overlappingWrites = 0;
  const put = async (user: string, update: Parameters<typeof applyUserUpdate>[2]) => {
    if (writing.has(user)) overlappingWrites++;
    writing.add(user);
    try {
      await send(user, update);
    } finally {
      writing.delete(user);
    }
  };
  const send = async (user: string, update: Parameters<typeof applyUserUpdate>[2]) => {
    const body =
      update.type === 'profile'
        ? update.profile
        : update.type === 'location'
          ? update.location
          : { online: update.online };
    const res = await request('PUT', `/users/${user}/${update.type}`, user, body);
    if (res.status !== 202) throw new Error(`PUT ${update.type} ${user}: ${res.status}`);
    world.users.set(user, applyUserUpdate(world.users.get(user), user, update));
  };

  // 1. Everyone joins: profile, location, presence (in that order per user).
  const ids = Array.from({ length: o.users }, (_, i) => `${run}-u${i}`);
  const joinStarted = Date.now();
  await pool(ids, o.concurrency, async (user) => {
    for (const u of pop.join(user, Date.now(), rnd.next() < 0.6).updates) await put(user, u);
  });
  log(`joined ${o.users} users in ${((Date.now() - joinStarted) / 1000).toFixed(1)} s`);

  // 2. Traffic: movers and presence toggles at --rate, freshness probes alongside.
  const probeUsers = ids.slice(0, Math.min(o.probes, Math.floor(o.users / 10)));
  const movers = ids.filter((id) => !probeUsers.includes(id));
  const freshness: number[] = [];
  let updates = 0;
  let stop = false;
  let trafficMs = 0;
  const traffic = (async () => {
    const started = Date.now();
    const inflight = new Set<Promise<void>>();
    while (Date.now() - started < o.seconds * 1000) {
      const due = Math.floor(((Date.now() - started) / 1000) * o.rate);
      while (updates < due && inflight.size < o.concurrency) {
        // A mover without a write in flight (see `put`); none free: wait for one.
        let user = rnd.pick(movers);
        for (let tries = 0; writing.has(user) && tries < 20; tries++) user = rnd.pick(movers);
        if (writing.has(user)) break;
        const state = world.users.get(user)!;
        const at = Date.now();
        const update =
          rnd.next() < 0.8 && state.location
            ? {
                id: `m${updates}`,
                user,
                at,
                type: 'location' as const,
                location: pop.step(state.location, 20),
              }
            : { id: `o${updates}`, user, at, type: 'presence' as const, online: !state.online };
        updates++;
        const p = put(user, update).finally(() => inflight.delete(p));
        inflight.add(p);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(inflight);
    trafficMs = Date.now() - started;
    stop = true;
  })();
  const probes = (async () => {
    let k = 0;
    while (!stop && probeUsers.length >= 2) {
      const observer = probeUsers[k % probeUsers.length]!;
      const mover = probeUsers[(k + 1 + rnd.int(0, probeUsers.length - 2)) % probeUsers.length]!;
      k++;
      const me = world.users.get(observer)!;
      const them = world.users.get(mover)!;
      if (mover === observer || !me.location || !them.profile) continue;
      // Make them fit each other, then time a move next to the observer.
      const fit = { ...them.profile, seeking: [me.profile!.gender], ageMin: 18, ageMax: 120 };
      await put(mover, { id: `f${k}`, user: mover, at: Date.now(), type: 'profile', profile: fit });
      await put(observer, {
        id: `g${k}`,
        user: observer,
        at: Date.now(),
        type: 'profile',
        profile: { ...me.profile!, seeking: [fit.gender], ageMin: 18, ageMax: 120 },
      });
      const target = pop.step(me.location, 5);
      const t0 = Date.now();
      await put(mover, { id: `t${k}`, user: mover, at: t0, type: 'location', location: target });
      const want = bruteForceNearby(world, observer, { radiusKm: 25, limit: 500, onlineOnly: false })?.find(
        (u) => u.user === mover,
      );
      if (!want) continue;
      for (;;) {
        const res = await request('GET', `/users/${observer}/nearby?radiusKm=25&limit=500`, observer);
        if (res.body.users?.some((u) => u.user === mover && u.distanceKm === want.distanceKm)) break;
        if (Date.now() - t0 > 30_000)
          throw new Error(`probe ${k}: ${mover} not visible to ${observer} after 30 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
      freshness.push(Date.now() - t0);
    }
  })();
  await Promise.all([traffic, probes]);
  const achieved = updates / (trafficMs / 1000);
  log(
    `traffic: ${updates} updates in ${(trafficMs / 1000).toFixed(1)} s (${achieved.toFixed(0)}/s of ${o.rate}/s offered), ${freshness.length} freshness probes`,
  );

  // 3. Settled: every nearby answer against the brute-force scan of what was accepted. The
  // contract is exact once the accepted updates are visible, and the last ones are still on
  // their way (freshness above): a query is asked again until it matches or --settle runs out
  // (from the end of the traffic). `firstTryExact` counts answers right at the first ask.
  const settledBy = Date.now() + o.settle * 1000;
  const trafficEnd = Date.now();
  let settleMs = 0;
  let firstTryExact = 0;
  const diffs: string[] = [];
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let exact = 0;
  let foreign = 0;
  for (let q = 0; q < o.queries; q++) {
    const caller = rnd.pick(ids);
    const radiusKm = rnd.pick([5, 25, 50, 200, 500]);
    const onlineOnly = rnd.next() < 0.3;
    const want = bruteForceNearby(world, caller, { radiusKm, limit: 500, onlineOnly }) ?? [];
    let got: NearbyUser[] = [];
    for (let ask = 0; ; ask++) {
      const res = await request(
        'GET',
        `/users/${caller}/nearby?radiusKm=${radiusKm}&limit=500&online=${onlineOnly}`,
        caller,
      );
      // Users of earlier runs on a reused broker are not in this run's truth: counted apart.
      const all = res.body.users ?? [];
      got = all.filter((u) => u.user.startsWith(`${run}-`));
      const same = JSON.stringify(got) === JSON.stringify(want);
      if (same && ask === 0) firstTryExact++;
      if (same || Date.now() >= settledBy) {
        foreign += all.length - got.length;
        if (same && ask > 0) settleMs = Math.max(settleMs, Date.now() - trafficEnd);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const wantIds = new Set(want.map((u) => u.user));
    const gotIds = new Set(got.map((u) => u.user));
    for (const id of gotIds) wantIds.has(id) ? tp++ : fp++;
    for (const id of wantIds) if (!gotIds.has(id)) fn++;
    if (JSON.stringify(got) === JSON.stringify(want)) exact++;
    else if (diffs.length < 10) diffs.push(describeDiff(caller, radiusKm, want, got));
  }
  for (const d of diffs) log(`not exact after ${o.settle} s: ${d}`);
  const report = {
    users: o.users,
    updates,
    offeredPerSecond: o.rate,
    /** What the service accepted: the offered rate is reached only if PUTs keep up at --concurrency. */
    updatesPerSecond: achieved,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
    exactAnswers: exact,
    queries: o.queries,
    /** Answers exact at the first ask right after the traffic (the rest waited for the tail). */
    firstTryExact,
    /** From the end of the traffic until the last answer that had to be asked again matched (0: none had to). */
    settleMs,
    /** Writes sent for a user while another of theirs was unacknowledged (0 by construction). */
    overlappingWrites,
    resultsChecked: tp + fn,
    foreignResults: foreign,
    freshnessMs: {
      probes: freshness.length,
      p50: quantile(freshness, 0.5),
      p99: quantile(freshness, 0.99),
      max: freshness.length > 0 ? Math.max(...freshness) : Number.NaN,
    },
  };
  log(
    `precision ${report.precision.toFixed(4)}  recall ${report.recall.toFixed(4)}  exact answers ${exact}/${o.queries} (${tp + fn} expected rows; ${firstTryExact} exact at the first ask, the last waiting one matched ${settleMs} ms after the traffic)`,
  );
  log(
    `freshness (PUT location → visible in GET nearby) p50 ${Math.round(report.freshnessMs.p50)} ms  p99 ${Math.round(report.freshnessMs.p99)} ms  max ${Math.round(report.freshnessMs.max)} ms over ${freshness.length} probes at ${achieved.toFixed(0)} updates/s`,
  );
  console.log(JSON.stringify(report));
  if (o.json) writeFileSync(o.json, JSON.stringify(report, null, 2));
  return report;
}

/** The first rows where an answer and the brute force disagree, for the log. */
function describeDiff(caller: string, radiusKm: number, want: NearbyUser[], got: NearbyUser[]): string {
  const row = (u: NearbyUser | undefined) => (u ? `${u.user}@${u.distanceKm}${u.online ? '+' : ''}` : '-');
  const at = want.findIndex((w, i) => JSON.stringify(w) !== JSON.stringify(got[i]));
  const i = at < 0 ? want.length : at;
  return `${caller} ${radiusKm} km: row ${i} want ${row(want[i])} got ${row(got[i])} (${want.length} vs ${got.length} rows)`;
}
