/**
 * One run of the anti-spam simulator: the population's traffic round by round over HTTP (with
 * recipients' reports and returners coming back), latency probes alongside, then waiting until the
 * pipeline settled and reading every status and inbox back for the report.
 *
 * Bounded by construction: a fixed number of rounds, a concurrency limit, timeouts on every
 * request, a deadline for the final settling. Targets loopback addresses only.
 */
import { writeFileSync } from 'node:fs';
import { assertLoopback, Http, pool, Random, sleep } from '@showcase/simkit';
import { kindRows } from './kinds.ts';
import { parseOptions } from './options.ts';
import { buildPopulation, type PlannedMessage, type SimUser, Traffic } from './population.ts';
import { LatencyProbes, noLatencies } from './probes.ts';
import { buildReport, fmt, type InboxReply, printReport, type Report, type SpamStatus } from './report.ts';

export interface Target {
  readonly url: string;
  readonly secret: string;
}

/** Runs the simulation against `target` and returns (and logs) its report. */
export async function simulate(
  target: Target,
  args: string[],
  log: (line: string) => void = console.log,
): Promise<Report> {
  const options = parseOptions(args);
  assertLoopback(target.url);
  const http = new Http(target.url.replace(/\/$/, ''), target.secret);
  const rand = new Random(options.seed);
  const prefix = `s${options.seed}-${Date.now().toString(36)}-`;
  const { users, accounts } = buildPopulation(rand, {
    users: options.users,
    spamRatio: options.spamRatio,
    prefix,
    warmup: options.warmup,
  });
  const label = new Map(users.map((u) => [u.id, u]));
  const traffic = new Traffic(rand, users, accounts);
  /** Per sender, in the order the service accepted them: was the message a payload message? */
  const order = new Map<string, boolean[]>();
  let reportsSent = 0;
  const sentBy = new Map<string, number>();
  const sentIds = new Map<string, PlannedMessage>();
  const postLatency: number[] = [];
  let failures = 0;
  const admin = `${prefix}sim-admin`;
  const spammers = users.filter((u) => u.spammer);
  const kinds = [...new Set(spammers.map((u) => u.kind))].map((k) => `${count(spammers, k)} ${k}`);
  log(
    `simulating ${users.length} users (${spammers.length} spam accounts: ${kinds.join(', ')}) against ${target.url}, seed ${options.seed}, ${options.rounds} rounds (${options.warmup} without spam)`,
  );

  // Latency probes: first alongside the traffic, then on the idle service.
  const probes = new LatencyProbes(
    http,
    `${prefix}probe-a`,
    `${prefix}probe-b`,
    options.probes,
    options.seed,
  );
  const loaded = noLatencies();
  const idle = noLatencies();
  let trafficDone = false;
  const probeDone = probes.run(loaded, 100, () => trafficDone);

  const started = Date.now();
  let sent = 0;
  for (let round = 1; round <= options.rounds; round++) {
    const roundStart = Date.now();
    const planned = traffic.round();
    const results = await pool(planned, options.concurrency, async (m) => {
      const t0 = performance.now();
      try {
        const res = await http.call<{ id: string }>('POST', '/messages', m.from, { to: m.to, text: m.text });
        postLatency.push(performance.now() - t0);
        if (res.status !== 202) {
          failures++;
          return undefined;
        }
        sentIds.set(res.body.id, m);
        sentBy.set(m.from, (sentBy.get(m.from) ?? 0) + 1);
        const seq = order.get(m.from) ?? [];
        seq.push(m.payload === true);
        order.set(m.from, seq);
        return m;
      } catch {
        failures++;
        return undefined;
      }
    });
    const ok = results.filter((m): m is PlannedMessage => m !== undefined);
    traffic.delivered(ok);
    sent += ok.length;
    // Recipients report some of what they got; returners look whether they were blocked
    // (a sender may ask about itself) and come back under their next account.
    await pool(traffic.takeReports(), options.concurrency, async (rep) => {
      const res = await http
        .call('POST', '/reports', rep.by, { user: rep.user, reason: rep.reason })
        .catch(() => undefined);
      if (res?.status === 202) reportsSent++;
    });
    const returners = traffic.spam.active().filter((a) => a.kind === 'returner');
    await pool(returners, options.concurrency, async (a) => {
      const res = await http.call<SpamStatus>('GET', `/users/${a.id}/spam`, a.id).catch(() => undefined);
      if (res?.body.blocked) traffic.spam.blocked(a.id);
    });
    const elapsed = (Date.now() - started) / 1000;
    log(
      `round ${String(round).padStart(3)}/${options.rounds}: ${String(ok.length).padStart(4)} messages (${ok.filter((m) => m.spam).length} spam), ${sent} total, ${fmt(sent / elapsed, 0)} msg/s${failures ? `, ${failures} failed requests` : ''}`,
    );
    const rest = options.roundMs - (Date.now() - roundStart);
    if (rest > 0) await sleep(rest);
  }
  const sendSeconds = (Date.now() - started) / 1000;
  trafficDone = true;
  await probeDone;

  // Settle: every message processed by the detector and the filter (or give up after 120 s).
  log('waiting for the pipeline to settle…');
  const everyone = users.map((u) => u.id);
  const deadline = Date.now() + 120_000;
  let statuses = new Map<string, SpamStatus>();
  while (true) {
    const fetched = await pool(everyone, options.concurrency, (id) =>
      http.call<SpamStatus>('GET', `/users/${id}/spam`, admin, undefined, true).then((r) => r.body),
    );
    statuses = new Map(everyone.map((id, i) => [id, fetched[i]!]));
    const behind = everyone.filter((id) => {
      const s = statuses.get(id)!;
      const n = sentBy.get(id) ?? 0;
      return s.sent !== n || s.delivered + s.dropped !== n;
    });
    if (behind.length === 0) break;
    if (Date.now() > deadline) {
      log(`not settled after 120 s: ${behind.length} users still behind; reporting what is there`);
      break;
    }
    await sleep(500);
  }
  // Inboxes, read independently of the service's counters: which messages arrived.
  const inboxes = await pool(everyone, options.concurrency, (id) =>
    http.call<InboxReply>('GET', `/users/${id}/inbox`, id).then((r) => r.body),
  );
  log('measuring latency on the idle service…');
  await probes.run(idle, 20, () => false);

  const perKind = kindRows(
    users,
    (id) => {
      const s = statuses.get(id);
      return s && { blocked: s.blocked, delivered: s.deliveredBeforeBlock ?? s.delivered, score: s.score };
    },
    order,
  );
  const report = buildReport(users, label, statuses, inboxes, everyone, sentIds, perKind, {
    reports: reportsSent,
    sent,
    failures,
    sendSeconds,
    postLatency,
    loaded,
    idle,
    options,
  });
  printReport(report, log);
  if (options.json) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

function count(users: readonly SimUser[], kind: SimUser['kind']): number {
  return users.filter((u) => u.kind === kind).length;
}
