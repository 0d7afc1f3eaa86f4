import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, test } from 'vitest';
import { Emitter, json } from '../src/index.ts';
import { Instance } from './support/instances.ts';
import {
  audit,
  type CountEvent,
  caughtUp,
  committed,
  emitCounted,
  eventually,
  rawAdmin,
  readTable,
  readTopic,
  type Tally,
  testBrokers,
  testCluster,
  unique,
} from './support/kafka.ts';

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
        await eventually(
          async () => {
            if (over) return true;
            const [now, high] = await Promise.all([committed(admin, group, topic), cluster.offsets(topic)]);
            return owned.every((p) => {
              const before = kill.committed.get(p) ?? -1;
              const end = high.find((o) => o.partition === p)?.high ?? 0;
              return (now.get(p) ?? -1) > before || (emitDone && before >= end);
            });
          },
          {
            timeoutMs: 90_000,
            intervalMs: 50,
            what: `partitions ${owned} to resume after killing ${name}`,
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
    await eventually(() => caughtUp(cluster, admin, group, topic), {
      timeoutMs: 180_000,
      intervalMs: 250,
      what: 'the group to commit every event',
    });
    const processedMs = Date.now() - emitStarted;

    const table = await readTable(cluster, `${group}-table`, json<Tally>());
    const result = audit(table, emitted);
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
    // At-least-once: only what a victim had written but not committed may be applied twice.
    // Exactly-once: a victim's open transaction is aborted, so nothing is applied twice.
    expect(result.duplicates).toBeLessThanOrEqual(guarantee === 'exactly-once' ? 0 : inFlight);
    expect(result.applied).toBe(result.events + result.duplicates);
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
