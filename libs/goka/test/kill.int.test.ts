import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, test } from 'vitest';
import { type Cluster, type ConsumedRecord, Emitter, json } from '../src/index.ts';
import { Instance } from './support/instances.ts';
import {
  audit,
  type CountEvent,
  caughtUp,
  committed,
  emitCounted,
  rawAdmin,
  readTable,
  readTopic,
  type Tally,
  testBrokers,
  testCluster,
  unique,
} from './support/kafka.ts';
import { whileProgressing } from './support/progress.ts';

/**
 * Issue 4, fault test 1: a count-per-key group on 6 partitions, 3 instances as processes,
 * events emitted at a steady rate while a random instance is SIGKILLed and restarted 5 times.
 * Nothing may be lost; duplicates may only come from work a killed instance had written to the
 * changelog but not yet committed. Sizes can be lowered for a quick local run through env.
 */
const EVENTS = Number(process.env.GOKA_KILL_EVENTS ?? 200_000);
const KEYS = 10_000;
const PARTITIONS = 6;
const KILLS = 5;
/** Time between a restart and the next kill; longer than the session timeout (6 s), so each kill is felt. */
const KILL_EVERY_MS = 8_000;
const RESTART_AFTER_MS = 1_000;
/**
 * How long the group may stand still (no record processed or recovered, no offset committed)
 * before a wait fails: a rebalance may wait up to its timeout (60 s, the cluster's default) for
 * members to finish their batches and rejoin, and the broker notices a dead member only after
 * the session timeout (6 s). Longer is a hang, whatever the load; slower is not.
 */
const STALL_MS = 60_000 + 6_000;
/** The exactly-once run is smaller: it proves the absence of duplicates, not throughput. */
const EOS_EVENTS = Number(process.env.GOKA_KILL_EOS_EVENTS ?? 40_000);
const EOS_KILLS = 3;

const cluster = testCluster();
const admin = rawAdmin();
const dir = mkdtempSync(join(tmpdir(), 'goka-kill-'));
/** The instances of every run, killed after the tests whatever happened. */
const all: Instance[][] = [];
/** Set once the test is over: background pollers of a failed run stop instead of lingering. */
let over = false;

afterAll(async () => {
  over = true;
  await Promise.allSettled(all.flat().map((i) => i.kill()));
  await admin.disconnect().catch(() => undefined);
  await cluster.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Kill {
  readonly victim: string;
  readonly at: number;
  readonly owned: readonly number[];
  readonly committed: ReadonlyMap<number, number>;
  resumeMs?: number;
}

interface KillRun {
  readonly guarantee: 'at-least-once' | 'exactly-once';
  readonly events: number;
  readonly kills: number;
}

async function killTest({ guarantee, events: EVENTS, kills: KILLS }: KillRun): Promise<void> {
  const EMIT_RATE = Math.ceil(EVENTS / ((KILLS * (KILL_EVERY_MS + RESTART_AFTER_MS)) / 1000 + 5));
  const instances: Instance[] = [];
  all.push(instances);
  // Each run its own directory: instances of both runs are named a, b, c, and their stats files
  // and stores must not be shared (seen in CI: the exactly-once run's b failed renaming a stats
  // file the still-running at-least-once b had just renamed).
  const runDir = mkdtempSync(join(dir, `${guarantee}-`));
  try {
    const started = Date.now();
    const topic = unique('tally-events');
    const group = unique('tally');
    await cluster.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
    await admin.connect();
    for (const name of ['a', 'b', 'c']) {
      instances.push(new Instance(name, { brokers: testBrokers(), group, topic, dir: runDir, guarantee }));
    }
    for (const i of instances) i.start();
    await Promise.all(instances.map((i) => i.whenRunning()));
    /** Incarnations that lost their group membership while they worked (see tally-instance.ts). */
    const expelled = new Set<string>();
    const noteExpelled = () => {
      for (const i of instances) {
        const s = i.stats();
        if (s && ((s.commitsRejected ?? 0) > 0 || (s.rejoinedAsNew ?? 0) > 0)) expelled.add(s.instance);
      }
    };
    /** What moves while the group works: each incarnation's counts and the group's commits. */
    const progress = async () => {
      noteExpelled();
      return JSON.stringify([
        instances.map((i) => {
          const s = i.stats();
          return [i.current, s?.state, s?.processed, s?.recovery.done, s?.owned];
        }),
        [...(await committed(admin, group, topic))],
      ]);
    };
    const describe = () =>
      instances
        .map((i) => {
          const s = i.stats();
          return `${i.current}: ${s?.state} owned ${s?.owned} processed ${s?.processed} recovered ${s?.recovery.done}/${s?.recovery.total} ${s?.error ?? ''}`;
        })
        .join('\n');

    const emitted = new Map<string, string[]>();
    const emitter = new Emitter({ cluster, topic, codec: json<CountEvent>() });
    const emitStarted = Date.now();
    let emitDone = false;
    const emitting = (async () => {
      const chunk = 100;
      for (let i = 0; i < EVENTS; i += chunk) {
        const due = emitStarted + (i / EMIT_RATE) * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
        const sends: Promise<unknown>[] = [];
        for (let j = i; j < Math.min(EVENTS, i + chunk); j++) {
          sends.push(emitCounted(emitter, emitted, `k${j % KEYS}`, j));
        }
        await Promise.all(sends);
      }
      await emitter.close();
      emitDone = true;
      return Date.now() - emitStarted;
    })();
    emitting.catch(() => undefined); // awaited below; a failure before that must not go unhandled

    const kills: Kill[] = [];
    const resumes: Promise<void>[] = [];
    for (let k = 0; k < KILLS; k++) {
      await sleep(k === 0 ? 3_000 : KILL_EVERY_MS);
      noteExpelled();
      const victim = instances[Math.floor(Math.random() * instances.length)]!;
      const owned = victim.stats()?.owned ?? [];
      const name = victim.current;
      const at = Date.now();
      await victim.kill();
      // Read at once: the dead member commits nothing more, its partitions get a new owner only
      // after its session expired, and a new owner starts from exactly these offsets.
      const kill: Kill = { victim: name, at, owned, committed: await committed(admin, group, topic) };
      kills.push(kill);
      const resumed = (async () => {
        // Resumed: every partition the victim owned commits beyond where the victim stopped
        // (events keep arriving on every partition while emitting; afterwards, one that had
        // nothing left counts as resumed).
        await whileProgressing(
          async () => {
            const [now, high] = await Promise.all([committed(admin, group, topic), cluster.offsets(topic)]);
            return owned.every((p) => {
              const before = kill.committed.get(p) ?? -1;
              const end = high.find((o) => o.partition === p)?.high ?? 0;
              return (now.get(p) ?? -1) > before || (emitDone && before >= end);
            });
          },
          progress,
          {
            stallMs: STALL_MS,
            intervalMs: 50,
            what: `partitions ${owned} to resume after killing ${name}`,
            describe,
            cancelled: () => over,
          },
        );
        kill.resumeMs = Date.now() - at;
      })();
      resumed.catch(() => undefined); // awaited below
      resumes.push(resumed);
      await sleep(RESTART_AFTER_MS);
      victim.start();
    }
    const emitMs = await emitting;
    await Promise.all(resumes);
    await whileProgressing(() => caughtUp(cluster, admin, group, topic), progress, {
      stallMs: STALL_MS,
      intervalMs: 250,
      what: 'the group to commit every event',
      describe,
    });
    const processedMs = Date.now() - emitStarted;
    noteExpelled();

    const table = await readTable(cluster, `${group}-table`, json<Tally>());
    const result = audit(table, emitted);
    // The emitter's producer is not idempotent: a produce request that timed out on a loaded
    // machine and was retried can have written an event twice to the input topic. Such a copy is
    // a second record, rightly applied twice by either guarantee; only applications beyond the
    // input's copies are the processor's own.
    const copies = await inputCopies(cluster, topic);
    // What each kill could at most be applied twice: the writes its victim made to the changelog
    // for input offsets at or after the offsets committed when it died.
    const changelog = await readTopic(cluster, `${group}-table`);
    const inFlightAtKills = kills.map((kill) => {
      let n = 0;
      for (const r of changelog) {
        if (!r.value) continue;
        const v = JSON.parse(r.value.toString()) as Tally;
        if (v.by === kill.victim && v.at >= (kill.committed.get(r.partition) ?? 0)) n++;
      }
      return n;
    });
    const inFlight = inFlightAtKills.reduce((a, b) => a + b, 0);
    const reapplied = reapplications(changelog, copies);
    const figures = {
      test: 'goka kill test',
      guarantee,
      events: result.events,
      keys: KEYS,
      partitions: PARTITIONS,
      instances: instances.length,
      kills: kills.map((k, i) => ({
        victim: k.victim,
        owned: k.owned,
        inFlight: inFlightAtKills[i],
        resumeMs: k.resumeMs,
      })),
      duplicatesApplied: result.duplicates,
      inputCopies: [...copies.values()].reduce((n, c) => n + c - 1, 0),
      reapplied: reapplied.total,
      reappliedBy: Object.fromEntries(reapplied.by),
      expelled: [...expelled],
      inFlightAtKills: inFlight,
      lost: result.lost,
      emitRatePerSec: EMIT_RATE,
      emitMs,
      processedMs,
      wallMs: Date.now() - started,
    };
    console.log(`GOKA_KILL_TEST ${JSON.stringify(figures)}`);

    expect(result.lostIds, 'events lost').toEqual([]);
    expect(result.lost).toBe(0);
    for (const [key, ids] of emitted) expect(table.get(key)?.n ?? 0, key).toBeGreaterThanOrEqual(ids.length);
    // Every application is of an input record: twice only where the emitter wrote an event
    // twice (a retried produce request) or where the processor redid work (below).
    expect(result.applied).toBe(result.events + result.duplicates);
    expect(result.duplicates).toBeLessThanOrEqual(figures.inputCopies + reapplied.total);
    if (guarantee === 'exactly-once') {
      // A victim's open transaction is aborted: no input record is applied twice.
      expect(reapplied.total).toBe(0);
    } else {
      // At-least-once redoes only work whose commit never happened: work a killed incarnation
      // had written to the changelog for input offsets at or after its group's committed
      // offsets when it died (the new owner starts there: at most `inFlight`), and work of an
      // incarnation that lost its membership while it worked (on a starved machine sessions
      // expire; the coordinator then rejects its commits and its partitions move on from the
      // last accepted commit). A member that leaves or hands over in a rebalance commits first:
      // nobody else's work is done twice.
      const victims = new Set(kills.map((k) => k.victim));
      const unexplained = [...reapplied.by.keys()].filter((by) => !victims.has(by) && !expelled.has(by));
      expect(unexplained, 'work redone of incarnations that neither died nor were expelled').toEqual([]);
      let redoneOfVictims = 0;
      for (const [by, n] of reapplied.by) if (victims.has(by) && !expelled.has(by)) redoneOfVictims += n;
      expect(redoneOfVictims).toBeLessThanOrEqual(inFlight);
    }
    for (const k of kills) expect(k.resumeMs).toBeDefined();
  } finally {
    // Nothing of this run keeps running into the next one.
    await Promise.allSettled(instances.map((i) => i.kill()));
  }
}

test(
  `kill test: ${EVENTS} events, ${KEYS} keys, ${PARTITIONS} partitions, 3 instances, ${KILLS} kills`,
  () => killTest({ guarantee: 'at-least-once', events: EVENTS, kills: KILLS }),
  10 * 60_000,
);

test(
  `kill test, exactly-once: ${EOS_EVENTS} events, 3 instances, ${EOS_KILLS} kills, no duplicates`,
  () => killTest({ guarantee: 'exactly-once', events: EOS_EVENTS, kills: EOS_KILLS }),
  10 * 60_000,
);

/** Per event id, how many records of the input topic carry it. */
async function inputCopies(cluster: Cluster, topic: string): Promise<Map<string, number>> {
  const copies = new Map<string, number>();
  for (const r of await readTopic(cluster, topic)) {
    const id = (JSON.parse(r.value!.toString()) as CountEvent).id;
    copies.set(id, (copies.get(id) ?? 0) + 1);
  }
  return copies;
}

/**
 * Applications of events beyond their copies in the input topic, in all and per incarnation
 * whose work was redone. Each changelog value is one application: the id it appended (its last)
 * by its writer (`by`). Of an id's applications the first ones are the redone ones.
 */
function reapplications(changelog: readonly ConsumedRecord[], copies: ReadonlyMap<string, number>) {
  const writers = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const r of changelog) {
    if (!r.value) continue;
    const v = JSON.parse(r.value.toString()) as Tally;
    const id = v.ids.at(-1);
    if (id === undefined || id === 'pre') continue;
    // A produce request retried after a timeout writes the same value twice: one application.
    const write = `${r.key?.toString()}|${v.ids.length}|${v.by}|${v.at}`;
    if (seen.has(write)) continue;
    seen.add(write);
    const list = writers.get(id) ?? [];
    list.push(v.by);
    writers.set(id, list);
  }
  let total = 0;
  const by = new Map<string, number>();
  for (const [id, list] of writers) {
    const extra = list.length - (copies.get(id) ?? 0);
    for (const writer of list.slice(0, Math.max(0, extra))) by.set(writer, (by.get(writer) ?? 0) + 1);
    total += Math.max(0, extra);
  }
  return { total, by };
}
