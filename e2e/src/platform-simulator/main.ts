/**
 * `npm run simulate -- platform [--quick] [--seed N] [--seconds N] [--rounds N] [--users N]
 * [--rate N] [--json FILE]`
 *
 * One seeded population (population.ts: normal users in circles of friends and spammers; each
 * normal user with a behavioural archetype, planted tastes, a home and movement) produces one
 * event stream — messages to anti-spam, likes/passes/visits/blocks to edge-set, profiles,
 * locations and presence to match-search — that driver.ts replays over HTTP at a rate, for
 * `--seconds` (or `--rounds` rounds of one own action per user), with a progress bar. The
 * services' cross-effects are live meanwhile (anti-spam and edge-set blocks reach match-search
 * and recommender; segmentation and recommender learn from the other services' topics). Then
 * quality.ts computes five figures against the same population's ground truth and the services'
 * own references, and one table is printed with the load every service took during the traffic.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { assertLoopback, optionInt } from '@showcase/simkit';
import type { SimulationTarget } from '../simulate.ts';
import { drive } from './driver.ts';
import { meterFetch } from './meter.ts';
import { ARCHETYPES } from './oracles.ts';
import { buildPopulation, EventStream } from './population.ts';
import {
  antiSpamQuality,
  edgeSetQuality,
  learnedCount,
  matchSearchQuality,
  recommenderQuality,
  segmentationQuality,
} from './quality.ts';
import { loadRows, type Quality, qualityRows, type Row, renderTable } from './table.ts';

/** Started by simulate.ts in this order (each creates the topics it reads). */
export const services = ['anti-spam', 'edge-set', 'match-search', 'recommender', 'segmentation'] as const;

export const usage = `npm run simulate -- platform [options]
  --quick            the CI form: 100 users, 80 rounds (bounded by --seconds 200)
  --seed <n>         the population's seed (default 42)
  --users <n>        population size (default 200; quick 100)
  --seconds <n>      traffic duration (default 180); segmentation needs ~60 own events per user
                     (a user is assigned after 20 and its model needs ~1,000 points to split
                     into the archetypes), so users × 60 should fit into seconds × the rate reached
  --rounds <n>       stop earlier after this many rounds of one own action per user (default unbounded; quick 80)
  --rate <n>         events (and reads) per second offered at most (default 400; quick 200)
  --concurrency <n>  HTTP requests in flight at most (default 64)
  --queries <n>      match-search queries checked against brute force (default 200; quick 60)
  --json <file>      also write the table and the figures as JSON`;

export interface PlatformResult {
  readonly rows: readonly Row[];
  readonly table: string;
  readonly quality: Quality;
}

function parse(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: 'boolean', default: false },
      seed: { type: 'string', default: '42' },
      users: { type: 'string' },
      seconds: { type: 'string' },
      rounds: { type: 'string' },
      rate: { type: 'string' },
      concurrency: { type: 'string', default: '64' },
      queries: { type: 'string' },
      json: { type: 'string' },
    },
    allowPositionals: false,
  });
  const quick = values.quick;
  const int = (name: string, raw: string | undefined, fallback: number, min: number, max: number) =>
    optionInt(name, raw ?? String(fallback), min, max);
  return {
    quick,
    seed: int('seed', values.seed, 42, 0, 2 ** 31),
    users: int('users', values.users, quick ? 100 : 200, 20, 20_000),
    seconds: int('seconds', values.seconds, quick ? 200 : 180, 1, 3600),
    rounds: int('rounds', values.rounds, quick ? 80 : 1_000_000, 1, 1_000_000),
    rate: int('rate', values.rate, quick ? 200 : 400, 1, 100_000),
    concurrency: int('concurrency', values.concurrency, 64, 1, 1024),
    queries: int('queries', values.queries, quick ? 60 : 200, 1, 100_000),
    json: values.json,
  };
}

/** Bad options fail before simulate.ts starts a broker and five services. */
export function validate(args: string[]): void {
  parse(args);
}

export async function simulate(target: SimulationTarget, args: string[]): Promise<PlatformResult> {
  const o = parse(args);
  const say = (line: string) => console.log(`[platform] ${line}`);
  const urls = target.urls;
  for (const s of services) {
    if (!urls[s]) throw new Error(`no URL for ${s}`);
    assertLoopback(urls[s]);
  }
  const url = (s: (typeof services)[number]) => urls[s]!.replace(/\/$/, '');
  const prefix = `p${o.seed}-${Date.now().toString(36)}-`;
  const { users, random, accounts } = buildPopulation({
    users: o.users,
    spamRatio: 0.06,
    seed: o.seed,
    prefix,
  });
  const stream = new EventStream(users, random, accounts, o.seed);
  const spammers = users.filter((u) => u.spammer).length;
  say(
    `${users.length} users (${spammers} spammers; ${ARCHETYPES.map((a) => a.name).join(', ')} in turn for the others), seed ${o.seed}; ` +
      `traffic for ${o.seconds} s or ${o.rounds} rounds at ≤ ${o.rate} events/s`,
  );

  const learnedBefore = await learnedCount(url('recommender'), target.secret);
  const meter = meterFetch(urls);
  let ledger: Awaited<ReturnType<typeof drive>>;
  try {
    ledger = await drive(stream, urls, target.secret, o);
  } finally {
    meter.stop();
  }
  const failed = [...ledger.failures].map(([why, n]) => `${why} ×${n}`).join(', ');
  say(
    `traffic: ${ledger.accepted} events accepted and ${ledger.reads} reads answered in ${ledger.seconds.toFixed(1)} s (${(ledger.accepted / ledger.seconds).toFixed(0)}/s), ` +
      `${ledger.rounds} rounds${failed ? `; refused or failed: ${failed}` : ''}`,
  );

  say('waiting for the services to settle, then measuring…');
  const settleMs = 120_000;
  const [antiSpam, edgeSet, segmentation] = await Promise.all([
    antiSpamQuality(url('anti-spam'), target.secret, users, ledger, settleMs),
    edgeSetQuality(url('edge-set'), target.secret, ledger, settleMs),
    segmentationQuality(
      url('segmentation'),
      target.secret,
      users,
      ledger,
      o.seed,
      ARCHETYPES.length,
      settleMs,
    ),
  ]);
  say(
    'anti-spam, edge-set and segmentation measured; now match-search and recommender (they need the blocks)',
  );
  const [matchSearch, recommender] = await Promise.all([
    matchSearchQuality(
      url('match-search'),
      target.secret,
      ledger,
      antiSpam.blocked,
      prefix,
      random,
      o.queries,
      30_000,
    ),
    recommenderQuality(
      url('recommender'),
      target.secret,
      users,
      ledger,
      antiSpam.blocked,
      learnedBefore,
      settleMs,
    ),
  ]);
  const quality: Quality = { antiSpam, matchSearch, edgeSet, recommender, segmentation };
  for (const d of edgeSet.differences.slice(0, 5)) say(`edge-set difference: ${d}`);
  say(
    `segmentation model: ${segmentation.points} points; ${segmentation.history.slice(-8).join('; ') || 'no splits'}`,
  );

  const rows = [...qualityRows(quality), ...loadRows(meter.summary())];
  const table = renderTable(rows);
  console.log(
    `\nplatform simulation (seed ${o.seed}${o.quick ? ', quick' : ''}, ${users.length} users, ${ledger.accepted} events in ${ledger.seconds.toFixed(0)} s)`,
  );
  console.log(table);
  if (o.json) {
    const { blocked: _blocked, ...spam } = antiSpam;
    writeFileSync(
      o.json,
      `${JSON.stringify({ rows, quality: { ...quality, antiSpam: spam }, traffic: { accepted: ledger.accepted, seconds: ledger.seconds, rounds: ledger.rounds, failed: Object.fromEntries(ledger.failed), failures: Object.fromEntries(ledger.failures) } }, null, 2)}\n`,
    );
  }
  return { rows, table, quality };
}
