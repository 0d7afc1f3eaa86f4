/**
 * The anti-spam simulator's report: blocks against the labels (precision / recall, per kind),
 * spam delivered before each block, ham lost, checked once more against the inboxes themselves,
 * and the latencies; as JSON (`--json`) and as the printed summary.
 */
import { classification, quantile, summary } from '@showcase/simkit';
import { type KindRow, printKindRows } from './kinds.ts';
import type { Options } from './options.ts';
import type { PlannedMessage, SimUser } from './population.ts';
import type { Latencies } from './probes.ts';

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

/** GET /users/:id/spam as the report reads it. */
export interface SpamStatus {
  blocked: boolean;
  source: string | null;
  sent: number;
  delivered: number;
  dropped: number;
  deliveredBeforeBlock: number | null;
  score: number;
}

export interface InboxReply {
  messages: { id: string; from: string; seq: number }[];
  total: number;
}

export function buildReport(
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
    loaded: Latencies;
    idle: Latencies;
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

export type Report = ReturnType<typeof buildReport>;

export function printReport(r: Report, log: (line: string) => void): void {
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
