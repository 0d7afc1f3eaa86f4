/**
 * The edge-set simulator: drives the service over HTTP with a population of planted tastes
 * (swipes, visits, messages, blocks, changes of mind) at a target rate, listens on
 * /ws/notifications, and reports: the oracle comparison (every user's edges with their counts,
 * and the matches, against a batch fold over the accepted interactions), the throughput, the
 * latency POST → edge visible (GET relation) and POST → `new-match` pushed (p50/p99).
 * Run through `npm run simulate -- edge-set`. Bounded: a fixed number of interactions, timeouts
 * on every request, a deadline for the final settling; loopback targets only.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Edge, Interaction } from '@showcase/contracts';
import { assertLoopback, Http, summary as latencySummary, optionInt, sleep } from '@showcase/simkit';
import WebSocket from 'ws';
import type { EdgePage, MatchPage } from './observe.ts';
import { buildPopulation, type PlannedInteraction, planInteractions } from './population.ts';
import { settleOnOracle } from './settle.ts';

export const usage = `npm run simulate -- edge-set [options]
  --users <n>        population size (default 300)
  --events <n>       interactions to send (default 10000)
  --rate <n>         target interactions per second (default 1000)
  --concurrency <n>  HTTP requests in flight at most (default 64)
  --probes <n>       POST → edge visible probes (default 200)
  --seed <n>         PRNG seed (default 42)
  --json <file>      also write the report as JSON`;

export interface Target {
  readonly url: string;
  readonly secret: string;
}

function options(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      users: { type: 'string', default: '300' },
      events: { type: 'string', default: '10000' },
      rate: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '64' },
      probes: { type: 'string', default: '200' },
      seed: { type: 'string', default: '42' },
      json: { type: 'string' },
    },
    allowPositionals: false,
  });
  const int = optionInt;
  return {
    users: int('users', values.users, 4, 100_000),
    events: int('events', values.events, 1, 10_000_000),
    rate: int('rate', values.rate, 1, 1_000_000),
    concurrency: int('concurrency', values.concurrency, 1, 1024),
    probes: int('probes', values.probes, 0, 100_000),
    seed: int('seed', values.seed, 0, 2 ** 32 - 1),
    json: values.json,
  };
}

/** Bad options fail before simulate.ts starts a broker and the services. */
export function validate(args: string[]): void {
  options(args);
}

export async function simulate(target: Target, args: string[], log: (line: string) => void = console.log) {
  const opts = options(args);
  assertLoopback(target.url);
  const http = new Http(target.url.replace(/\/$/, ''), target.secret);
  const prefix = `s${Date.now().toString(36)}-`;
  const users = buildPopulation(opts.users, opts.seed, prefix);
  const plan = planInteractions(users, opts.events, opts.seed);
  log(`[edge-set sim] ${opts.users} users, ${opts.events} interactions at ${opts.rate}/s, seed ${opts.seed}`);

  // Local view of the likes and blocks, to know which like completes a match (for the WS timing).
  const likes = new Set<string>();
  const blocks = new Set<string>();
  const matching = (a: string, b: string) =>
    likes.has(`${a}|${b}`) && likes.has(`${b}|${a}`) && !blocks.has(`${a}|${b}`) && !blocks.has(`${b}|${a}`);
  const pendingMatch = new Map<string, number>();
  const matchLatencies: number[] = [];
  const sockets: WebSocket[] = [];
  const watched = users.slice(0, Math.min(users.length, 300));
  await Promise.all(
    watched.map(
      (u) =>
        new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(
            `${target.url.replace(/^http/, 'ws')}/ws/notifications?token=${http.token(u.id)}`,
          );
          sockets.push(ws);
          ws.on('message', (data) => {
            const m = JSON.parse(String(data)) as { type: string; user: string };
            if (m.type === 'subscribed') resolve();
            if (m.type !== 'new-match') return;
            const key = `${u.id}|${m.user}`;
            const t0 = pendingMatch.get(key);
            if (t0 !== undefined) {
              matchLatencies.push(performance.now() - t0);
              pendingMatch.delete(key);
            }
          });
          ws.once('error', reject);
        }),
    ),
  );

  const accepted: Interaction[] = [];
  const visits = new Map<string, number>();
  const visibleLatencies: number[] = [];
  const probeEvery =
    opts.probes === 0 ? Number.POSITIVE_INFINITY : Math.max(1, Math.floor(opts.events / opts.probes));
  const probes: Promise<void>[] = [];
  let failures = 0;
  let sequence = 0;

  const probeVisible = async (p: PlannedInteraction, count: number, t0: number) => {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const r = await http.call<{ out: Edge[] }>('GET', `/users/${p.from}/relation/${p.to}`, p.from);
      if ((r.body.out.find((e) => e.type === 'visit')?.count ?? 0) >= count) {
        visibleLatencies.push(performance.now() - t0);
        return;
      }
      await sleep(5);
    }
  };

  const send = async (p: PlannedInteraction, index: number) => {
    const key = `${p.from}|${p.to}`;
    const before = matching(p.from, p.to);
    if (p.type === 'like') likes.add(key);
    if (p.type === 'pass' || p.type === 'unlike') likes.delete(key);
    if (p.type === 'block') blocks.add(key);
    if (p.type === 'unblock') blocks.delete(key);
    const completes = !before && matching(p.from, p.to);
    const t0 = performance.now();
    if (completes) {
      pendingMatch.set(key, t0);
      pendingMatch.set(`${p.to}|${p.from}`, t0);
    }
    // The synthetic `at` keeps each actor's order for the oracle; times are compared without it.
    const at = ++sequence;
    const r = await http.call<{ id: string }>('POST', '/interactions', p.from, { to: p.to, type: p.type });
    if (r.status !== 202) {
      failures += 1;
      return;
    }
    accepted.push({ id: r.body.id, from: p.from, to: p.to, type: p.type, at });
    if (p.type === 'visit') {
      const count = (visits.get(key) ?? 0) + 1;
      visits.set(key, count);
      if (index % probeEvery === 0) probes.push(probeVisible(p, count, t0));
    }
  };

  // Pacing: item i leaves at start + i / rate; one actor's requests stay in order (a chain per
  // actor), and at most `concurrency` are in flight.
  const chains = new Map<string, Promise<void>>();
  let inFlight = 0;
  const started = performance.now();
  for (let i = 0; i < plan.length; i++) {
    const due = started + (i * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait > 2) await sleep(wait);
    while (inFlight >= opts.concurrency) await sleep(1);
    const p = plan[i]!;
    inFlight += 1;
    const next = (chains.get(p.from) ?? Promise.resolve())
      .then(() => send(p, i))
      .finally(() => {
        inFlight -= 1;
      });
    chains.set(p.from, next);
    if (i > 0 && i % Math.max(1, Math.floor(plan.length / 10)) === 0) {
      log(`[edge-set sim] sent ${i}/${plan.length} (${failures} failed)`);
    }
  }
  await Promise.all(chains.values());
  const sendSeconds = (performance.now() - started) / 1000;
  await Promise.all(probes);

  // Settle: every list equals the batch fold over what was accepted (deadline 120 s).
  const reader = {
    edges: async (user: string, direction: 'out' | 'in', cursor: string | undefined) =>
      (
        await http.call<EdgePage>(
          'GET',
          `/users/${user}/edges?direction=${direction}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          user,
        )
      ).body,
    matches: async (user: string, cursor: string | undefined) =>
      (
        await http.call<MatchPage>(
          'GET',
          `/users/${user}/matches?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          user,
        )
      ).body,
  };
  const comparison = await settleOnOracle(accepted, reader, 120_000);
  const settledSeconds = (performance.now() - started) / 1000;
  for (const s of sockets) s.terminate();

  const report = {
    users: opts.users,
    accepted: accepted.length,
    failed: failures,
    targetRate: opts.rate,
    acceptedPerSecond: accepted.length / sendSeconds,
    appliedPerSecond: accepted.length / settledSeconds,
    oracle: {
      equal: comparison.differences.length === 0,
      edges: comparison.expectedEdges,
      observedEdges: comparison.observedEdges,
      matches: comparison.expectedMatches,
      observedMatches: comparison.observedMatches,
      differences: comparison.differences,
    },
    postToEdgeVisibleMs: latencySummary(visibleLatencies),
    postToNewMatchWsMs: latencySummary(matchLatencies),
    newMatchNotSeen: pendingMatch.size,
  };
  const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
  log(
    `[edge-set sim] accepted ${report.accepted} (${report.failed} failed) in ${sendSeconds.toFixed(1)} s: ${report.acceptedPerSecond.toFixed(0)}/s (target ${opts.rate}/s); all applied after ${settledSeconds.toFixed(1)} s`,
  );
  log(
    `[edge-set sim] oracle: ${report.oracle.equal ? 'EQUAL' : 'DIFFERENT'} — edges ${report.oracle.observedEdges}/${report.oracle.edges} (counts compared), matches ${report.oracle.observedMatches}/${report.oracle.matches}`,
  );
  for (const d of comparison.differences) log(`[edge-set sim]   ${d}`);
  const v = report.postToEdgeVisibleMs;
  const m = report.postToNewMatchWsMs;
  log(`[edge-set sim] POST → edge visible: p50 ${ms(v.p50)} ms, p99 ${ms(v.p99)} ms (${v.count} probes)`);
  log(
    `[edge-set sim] POST → new-match on WS: p50 ${ms(m.p50)} ms, p99 ${ms(m.p99)} ms (${m.count} matches, ${report.newMatchNotSeen} predicted but not pushed — races between the two likers)`,
  );
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
