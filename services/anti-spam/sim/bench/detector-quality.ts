/**
 * The detector's blocks against the simulator's labels, many seeds in seconds: the detector and
 * the destinations group on goka's tester (no Kafka, no HTTP), fed the simulator's population
 * round by round. A message of a sender the detector flagged before it is dropped (an instant
 * filter: the HTTP simulator's blocks take effect a little later, so its "payload before block"
 * is higher); replies, reports and returners' new accounts follow what was delivered, as in
 * the simulator. For tuning rules across seeds; the figures of record come from
 * `npm run simulate -- anti-spam` (the whole service over HTTP on a broker).
 *
 *   npx tsx services/anti-spam/sim/bench/detector-quality.ts [--seeds 1,2,3] [--users 500] \
 *     [--spam-ratio 0.06] [--rounds 30] [--warmup 5]
 */
import { type MessageSent, messagesSent } from '@showcase/contracts';
import { createTester, partitionFor } from '@showcase/goka';
import { Random } from '@showcase/simkit';
import { defaultDetectorConfig } from '../../src/features.ts';
import type { DetectorState } from '../../src/model.ts';
import { destinationsGroup } from '../../src/processors/destinations.ts';
import { detectorGroup } from '../../src/processors/detector.ts';
import { reports } from '../../src/topics.ts';
import { kindRows, printKindRows } from '../kinds.ts';
import { buildPopulation, Traffic } from '../population.ts';

interface Options {
  seeds: number[];
  users: number;
  spamRatio: number;
  rounds: number;
  warmup: number;
}

function parse(argv: string[]): Options {
  const o: Options = { seeds: [42], users: 500, spamRatio: 0.06, rounds: 30, warmup: 5 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[++i] ?? '';
    if (a === '--seeds') o.seeds = v.split(',').map(Number);
    else if (a === '--users') o.users = Number(v);
    else if (a === '--spam-ratio') o.spamRatio = Number(v);
    else if (a === '--rounds') o.rounds = Number(v);
    else if (a === '--warmup') o.warmup = Number(v);
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

async function run(seed: number, o: Options) {
  const r = new Random(seed);
  const { users, accounts } = buildPopulation(r, {
    users: o.users,
    spamRatio: o.spamRatio,
    prefix: 'q-',
    warmup: o.warmup,
  });
  const traffic = new Traffic(r, users, accounts);
  const tester = createTester({ partitions: 4 });
  const detector = detectorGroup(defaultDetectorConfig);
  await tester.processor(detector);
  await tester.processor(destinationsGroup());
  const producer = tester.cluster.producer();
  // A round at once (the filter's view of blocks is the one at the round's start, as over HTTP).
  const send = async (topic: string, records: { key: string; value: Buffer }[]) => {
    const partitions = tester.cluster.partitionsOf(topic) ?? 4;
    await producer.send(
      records.map((x) => {
        const key = Buffer.from(x.key);
        return { topic, partition: partitionFor(key, partitions), key, value: x.value };
      }),
    );
    await tester.waitIdle();
  };
  const state = (id: string) => tester.tableValue<DetectorState>(detector, id);
  const order = new Map<string, boolean[]>();
  const delivered = new Map<string, number>();
  const blockedAt = new Set<string>();
  let clock = 1_700_000_000_000;
  const flaggedIn = new Map<string, number>();
  let n = 0;
  try {
    for (let round = 1; round <= o.rounds; round++) {
      const ok = [];
      const batch: { key: string; value: Buffer }[] = [];
      for (const m of traffic.round()) {
        clock += 20;
        const seq = order.get(m.from) ?? [];
        seq.push(m.payload === true);
        order.set(m.from, seq);
        const blocked = blockedAt.has(m.from) || state(m.from)?.flagged != null;
        if (blocked) blockedAt.add(m.from);
        else {
          delivered.set(m.from, (delivered.get(m.from) ?? 0) + 1);
          ok.push(m);
        }
        const sent: MessageSent = { id: `m${++n}`, from: m.from, to: m.to, text: m.text, sentAt: clock };
        batch.push({ key: m.from, value: messagesSent.codec.encode(sent) });
      }
      await send(messagesSent.name, batch);
      traffic.delivered(ok);
      await send(
        reports.name,
        traffic.takeReports().map((rep) => ({
          key: rep.user,
          value: reports.codec.encode({
            id: `r${++n}`,
            user: rep.user,
            by: rep.by,
            reason: rep.reason,
            at: clock + 20,
          }),
        })),
      );
      for (const a of traffic.spam.active())
        if (a.kind === 'returner' && state(a.id)?.flagged) traffic.spam.blocked(a.id);
      clock += 1000;
      for (const u of users) if (!flaggedIn.has(u.id) && state(u.id)?.flagged) flaggedIn.set(u.id, round);
    }
    const rows = kindRows(
      users,
      (id) => {
        const s = state(id);
        return { blocked: s?.flagged != null, delivered: delivered.get(id) ?? 0, score: s?.score ?? 0 };
      },
      order,
    );
    const wrong = users
      .filter((u) => !u.spammer && state(u.id)?.flagged)
      .map((u) => {
        const s = state(u.id)!;
        const row = `sent ${s.sent}, received ${s.received}, ${s.replied} of ${s.distinct} replied, flagged in round ${flaggedIn.get(u.id)}`;
        return `${u.kind} ${s.flagged!.source}: ${s.flagged!.reason} (${row}; ${JSON.stringify(s.destinations)})`;
      });
    const missed = users
      .filter((u) => u.spammer && (order.get(u.id)?.length ?? 0) > 0 && !state(u.id)?.flagged)
      .map(
        (u) =>
          `${u.kind} sent ${order.get(u.id)!.length} (${order.get(u.id)!.filter(Boolean).length} payload)`,
      );
    return { rows, wrong, missed };
  } finally {
    await tester.stop();
  }
}

const o = parse(process.argv.slice(2));
const totals = new Map<string, { users: number; blocked: number }>();
for (const seed of o.seeds) {
  const t0 = performance.now();
  const { rows, wrong, missed } = await run(seed, o);
  console.log(`seed ${seed} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  printKindRows(rows, (line) => console.log(`  ${line}`));
  for (const w of wrong) console.log(`  wrongly blocked: ${w}`);
  for (const m of missed) console.log(`  missed: ${m}`);
  for (const row of rows) {
    const t = totals.get(row.kind) ?? { users: 0, blocked: 0 };
    totals.set(row.kind, { users: t.users + row.users, blocked: t.blocked + row.blocked });
  }
}
console.log(`all seeds (${o.seeds.join(',')}):`);
for (const [kind, t] of totals) console.log(`  ${kind.padEnd(14)}${t.blocked}/${t.users}`);
