/**
 * The anti-spam simulator: drives the service over HTTP with a labelled, seeded population and
 * reports how well blocks match the labels, how much spam got through before each block, how
 * much ham was lost, and the latency of POST /messages until the message is visible in the
 * recipient's GET inbox (and pushed on WS /ws/inbox). Run through `npm run simulate -- anti-spam`.
 *
 * Bounded by construction: a fixed number of rounds, a concurrency limit, timeouts on every
 * request, a deadline for the final settling. Targets loopback addresses only.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  assertLoopback,
  classification,
  Http,
  optionNumber,
  pool,
  quantile,
  Random,
  sleep,
  summary,
} from '@showcase/simkit';
import WebSocket from 'ws';
import { type KindRow, kindRows, printKindRows } from './kinds.ts';
import { buildPopulation, type PlannedMessage, type SimUser, Traffic } from './population.ts';

export const usage = `npm run simulate -- anti-spam [options]
  --users <n>          population size (default 500)
  --spam-ratio <r>     share of spam operators (default 0.06); farms and returners run
                       several accounts each
  --rounds <n>         rounds of traffic (default 30)
  --warmup <n>         rounds of normal traffic before the first spam (default 5)
  --round-ms <ms>      minimum duration of a round (default 300)
  --concurrency <n>    parallel HTTP requests (default 24)
  --seed <n>           PRNG seed (default 42)
  --probes <n>         latency probes at most during the traffic (default 200), and as many
                       again on the idle service afterwards
  --json <file>        also write the report as JSON`;

export interface Target {
  readonly url: string;
  readonly secret: string;
}

interface Options {
  users: number;
  spamRatio: number;
  rounds: number;
  warmup: number;
  roundMs: number;
  concurrency: number;
  seed: number;
  probes: number;
  json: string | undefined;
}

export function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      users: { type: 'string', default: '500' },
      'spam-ratio': { type: 'string', default: '0.06' },
      rounds: { type: 'string', default: '30' },
      warmup: { type: 'string', default: '5' },
      'round-ms': { type: 'string', default: '300' },
      concurrency: { type: 'string', default: '24' },
      seed: { type: 'string', default: '42' },
      probes: { type: 'string', default: '200' },
      json: { type: 'string' },
    },
    allowPositionals: false,
  });
  const num = optionNumber;
  return {
    users: Math.round(num('users', values.users, 10, 100_000)),
    spamRatio: num('spam-ratio', values['spam-ratio'], 0.001, 0.9),
    rounds: Math.round(num('rounds', values.rounds, 1, 10_000)),
    warmup: Math.round(num('warmup', values.warmup, 0, 10_000)),
    roundMs: num('round-ms', values['round-ms'], 0, 60_000),
    concurrency: Math.round(num('concurrency', values.concurrency, 1, 512)),
    seed: Math.round(num('seed', values.seed, 0, 2 ** 32 - 1)),
    probes: Math.round(num('probes', values.probes, 0, 100_000)),
    json: values.json,
  };
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

interface SpamStatus {
  blocked: boolean;
  source: string | null;
  sent: number;
  delivered: number;
  dropped: number;
  deliveredBeforeBlock: number | null;
  score: number;
}

interface InboxReply {
  messages: { id: string; from: string; seq: number }[];
  total: number;
}

/** Bad options fail before simulate.ts starts a broker and the services. */
export function validate(args: string[]): void {
  parseOptions(args);
}

export async function simulate(target: Target, args: string[], log: (line: string) => void = console.log) {
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

  // Latency probes: two extra users who only talk to each other, first alongside the traffic,
  // then on the idle service.
  const probeA = `${prefix}probe-a`;
  const probeB = `${prefix}probe-b`;
  let probeSeq = 0;
  const loaded = { visible: [] as number[], pushed: [] as number[] };
  const idle = { visible: [] as number[], pushed: [] as number[] };
  let trafficDone = false;
  const probeDone = runProbes(loaded, 100, () => trafficDone);

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
  await runProbes(idle, 20, () => false);

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

  /** Probes until `done()` or `options.probes` probes; one at a time, `gapMs` apart. */
  async function runProbes(
    into: { visible: number[]; pushed: number[] },
    gapMs: number,
    done: () => boolean,
  ): Promise<void> {
    if (options.probes === 0) return;
    const ws = new WebSocket(`${http.base.replace(/^http/, 'ws')}/ws/inbox?token=${http.token(probeB)}`);
    ws.on('error', () => undefined);
    const arrivals = new Map<string, number>();
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; id?: string };
      if (m.type === 'message' && m.id) arrivals.set(m.id, performance.now());
    });
    await new Promise<void>((resolve) => {
      ws.on('message', (data) => {
        if ((JSON.parse(String(data)) as { type: string }).type === 'subscribed') resolve();
      });
      ws.once('close', () => resolve());
    });
    const probeRand = new Random(options.seed ^ 0x5eed);
    for (let i = 0; i < options.probes && !done(); i++) {
      const t0 = performance.now();
      try {
        const res = await http.call<{ id: string }>('POST', '/messages', probeA, {
          to: probeB,
          text: `${probeRand.pick(['latency', 'timing', 'probe', 'check'])} ${probeRand.pick(['one', 'two', 'red', 'blue', 'fast'])} ${i}`,
        });
        const id = res.body.id;
        const until = performance.now() + 15_000;
        while (performance.now() < until) {
          const box = await http.call<InboxReply>('GET', `/users/${probeB}/inbox?after=${probeSeq}`, probeB);
          const found = box.body.messages.find((m) => m.id === id);
          if (found) {
            into.visible.push(performance.now() - t0);
            probeSeq = found.seq;
            break;
          }
          await sleep(2);
        }
        const deadlinePush = performance.now() + 2_000;
        while (!arrivals.has(id) && performance.now() < deadlinePush) await sleep(2);
        const at = arrivals.get(id);
        if (at !== undefined) into.pushed.push(at - t0);
      } catch {
        // a failed probe is simply not counted
      }
      const rest = gapMs - (performance.now() - t0);
      if (rest > 0) await sleep(rest);
    }
    ws.close();
  }
}

function count(users: readonly SimUser[], kind: SimUser['kind']): number {
  return users.filter((u) => u.kind === kind).length;
}

function buildReport(
  users: readonly SimUser[],
  label: Map<string, SimUser>,
  statuses: Map<string, SpamStatus>,
  inboxes: InboxReply[],
  everyone: string[],
  sentIds: Map<string, PlannedMessage>,
  perKind: KindRow[],
  run: {
    reports: number;
    sent: number;
    failures: number;
    sendSeconds: number;
    postLatency: number[];
    loaded: { visible: number[]; pushed: number[] };
    idle: { visible: number[]; pushed: number[] };
    options: Options;
  },
) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const before: number[] = [];
  const byKind: Record<string, { total: number; blocked: number }> = {};
  let spamSent = 0;
  let spamDelivered = 0;
  let hamSent = 0;
  let hamDropped = 0;
  const falsePositives: { user: string; kind: string; score: number; source: string | null }[] = [];
  const normalScores: number[] = [];
  const spammerScores: number[] = [];
  for (const u of users) {
    const s = statuses.get(u.id);
    // A spam account that never sent anything (a returner's unused one) is not judged.
    if (!s || (u.spammer && s.sent === 0)) continue;
    const kind = byKind[u.kind] ?? { total: 0, blocked: 0 };
    byKind[u.kind] = kind;
    kind.total++;
    if (s.blocked) kind.blocked++;
    (u.spammer ? spammerScores : normalScores).push(s.score);
    if (u.spammer) {
      spamSent += s.sent;
      spamDelivered += s.delivered;
      if (s.blocked) {
        tp++;
        before.push(s.deliveredBeforeBlock ?? s.delivered);
      } else fn++;
    } else {
      hamSent += s.sent;
      hamDropped += s.dropped;
      if (s.blocked) {
        fp++;
        falsePositives.push({ user: u.id, kind: u.kind, score: s.score, source: s.source });
      }
    }
  }
  // Independent check from the inboxes: spam that arrived, ham that is missing.
  let spamInInboxes = 0;
  let hamInInboxes = 0;
  let hamMissing = 0;
  const seen = new Set<string>();
  for (const [i, inbox] of inboxes.entries()) {
    for (const m of inbox.messages) {
      seen.add(m.id);
      const sender = label.get(m.from);
      if (sender?.spammer) spamInInboxes++;
      else if (sender) hamInInboxes++;
    }
    void everyone[i];
  }
  const complete = new Set(everyone.filter((_, i) => inboxes[i]!.total <= inboxes[i]!.messages.length));
  for (const [id, m] of sentIds) {
    if (!m.spam && label.has(m.from) && complete.has(m.to) && !seen.has(id)) hamMissing++;
  }
  return {
    population: {
      users: users.length,
      spammers: users.filter((u) => u.spammer).length,
      seed: run.options.seed,
      rounds: run.options.rounds,
      warmup: run.options.warmup,
    },
    reports: run.reports,
    traffic: {
      messages: run.sent,
      failedRequests: run.failures,
      seconds: run.sendSeconds,
      messagesPerSecond: run.sent / run.sendSeconds,
    },
    detection: classification(tp, fp, fn),
    byKind,
    perKind,
    falsePositives,
    /** Final scores: how far the two populations are from the threshold. */
    scores: {
      normal: {
        p50: quantile(normalScores, 0.5),
        p99: quantile(normalScores, 0.99),
        max: Math.max(...normalScores),
      },
      spammer: { min: Math.min(...spammerScores), p50: quantile(spammerScores, 0.5) },
    },
    spam: {
      sent: spamSent,
      delivered: spamDelivered,
      deliveredBeforeBlock: summary(before),
      inInboxes: spamInInboxes,
    },
    ham: {
      sent: hamSent,
      droppedByFilter: hamDropped,
      droppedShare: hamSent ? hamDropped / hamSent : 0,
      missingFromCompleteInboxes: hamMissing,
      inInboxes: hamInInboxes,
    },
    latencyMs: {
      postAccepted: summary(run.postLatency),
      /** POST /messages until the message is in GET inbox, while the traffic runs. */
      postToInboxVisible: summary(run.loaded.visible),
      postToWsPush: summary(run.loaded.pushed),
      idlePostToInboxVisible: summary(run.idle.visible),
      idlePostToWsPush: summary(run.idle.pushed),
    },
  };
}

type Report = ReturnType<typeof buildReport>;

function printReport(r: Report, log: (line: string) => void): void {
  const d = r.detection;
  const l = r.latencyMs;
  const lat = (s: ReturnType<typeof summary>) =>
    `p50 ${fmt(s.p50)} ms, p95 ${fmt(s.p95)} ms, p99 ${fmt(s.p99)} ms, max ${fmt(s.max)} ms (n=${s.count})`;
  log('');
  log('=== anti-spam simulation ===');
  log(
    `population        ${r.population.users} users, ${r.population.spammers} spam accounts, seed ${r.population.seed}, ${r.population.rounds} rounds (${r.population.warmup} warm-up)`,
  );
  log(
    `traffic           ${r.traffic.messages} messages in ${fmt(r.traffic.seconds)} s (${fmt(r.traffic.messagesPerSecond, 0)} msg/s), ${r.traffic.failedRequests} failed requests`,
  );
  log(
    `detection         precision ${fmt(d.precision, 3)}  recall ${fmt(d.recall, 3)}  F1 ${fmt(d.f1, 3)}  (TP ${d.tp}, FP ${d.fp}, FN ${d.fn})`,
  );
  log(
    `by kind           ${Object.entries(r.byKind)
      .map(([k, v]) => `${k} ${v.blocked}/${v.total} blocked`)
      .join(', ')}`,
  );
  log(`per kind          (${r.reports} reports sent by recipients)`);
  printKindRows(r.perKind, (line) => log(`  ${line}`));
  log(
    `final scores      normal p50 ${fmt(r.scores.normal.p50, 2)}, p99 ${fmt(r.scores.normal.p99, 2)}, max ${fmt(r.scores.normal.max, 2)}; spammer min ${fmt(r.scores.spammer.min, 2)}, p50 ${fmt(r.scores.spammer.p50, 2)}`,
  );
  const b = r.spam.deliveredBeforeBlock;
  log(
    `spam before block median ${fmt(b.p50)}, p95 ${fmt(b.p95)}, max ${fmt(b.max, 0)} messages per blocked spammer; spam delivered ${r.spam.delivered} of ${r.spam.sent} sent (${r.spam.inInboxes} found in inboxes)`,
  );
  log(
    `ham               ${r.ham.droppedByFilter} of ${r.ham.sent} wrongly dropped (${fmt(r.ham.droppedShare * 100, 2)}%); ${r.ham.missingFromCompleteInboxes} missing from inboxes`,
  );
  log(`POST /messages    202 after ${lat(l.postAccepted)}`);
  log(`POST -> GET inbox ${lat(l.postToInboxVisible)} under load`);
  log(`POST -> WS push   ${lat(l.postToWsPush)} under load`);
  log(`POST -> GET inbox ${lat(l.idlePostToInboxVisible)} idle`);
  log(`POST -> WS push   ${lat(l.idlePostToWsPush)} idle`);
  for (const f of r.falsePositives.slice(0, 10))
    log(`false positive    ${f.user} (${f.kind}) score ${f.score} source ${f.source}`);
  log(
    'note              messages of blocked senders are accepted (202) and dropped by design; nobody is verified here. ' +
      'For a load test that must deliver everything, verify the senders first (POST /users/<id>/verify as an admin); ' +
      'a sender sees its block and why at GET /users/<self>/spam.',
  );
}
