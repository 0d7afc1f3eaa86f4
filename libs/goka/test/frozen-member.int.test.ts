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
  emitCounted,
  eventually,
  rawAdmin,
  readTable,
  SESSION_TIMEOUT_MS,
  type Tally,
  testBrokers,
  testCluster,
  unique,
} from './support/kafka.ts';

/**
 * A member that freezes longer than its session (a long GC pause, a starved machine: seen in
 * the kill test at load 25) is expelled; its partitions go to the others, who process on from
 * the committed offsets. When it thaws, kafkajs rejoins it as a new member and the sticky
 * assignment may hand it the same partitions again — but its in-memory tasks hold the state of
 * before the freeze, without what the others wrote meanwhile. Kept, they overwrite that work:
 * events are lost. A member that rejoined under a new id must start every partition anew
 * (group-consumer.ts does so now).
 *
 * Still failing, so run only with GOKA_KNOWN_BUGS=1: the batch the member was processing when
 * it froze goes on after the thaw, and its writes — made from the state of before the freeze —
 * land in the changelog after the new owner's, so the next recovery reads them back (lost here
 * in three runs of three: 92, 2,724, 2,591 of 12,000). Stopping them needs the processor's
 * partition task to check, before each record, that the membership has not lapsed (no
 * heartbeat acknowledged within the session timeout) and to stop the batch like a revocation,
 * not as a failure: processor code, not the group consumer's.
 */
const EVENTS = 12_000;
const KEYS = 500;
const PARTITIONS = 6;
const RATE = 600;

const cluster = testCluster();
const admin = rawAdmin();
const dir = mkdtempSync(join(tmpdir(), 'goka-frozen-'));
const instances: Instance[] = [];

afterAll(async () => {
  for (const i of instances) i.resume();
  await Promise.allSettled(instances.map((i) => i.kill()));
  await admin.disconnect().catch(() => undefined);
  await cluster.close();
  rmSync(dir, { recursive: true, force: true });
});

test.skipIf(!process.env.GOKA_KNOWN_BUGS)(
  'a member frozen past its session loses nothing when it thaws',
  async () => {
    const topic = unique('tally-events');
    const group = unique('tally');
    await cluster.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
    await admin.connect();
    const [a, b] = ['a', 'b'].map(
      (name) => new Instance(name, { brokers: testBrokers(), group, topic, dir }),
    ) as [Instance, Instance];
    instances.push(a, b);
    a.start();
    b.start();
    await Promise.all([a.whenRunning(), b.whenRunning()]);
    await eventually(() => (a.stats()?.owned.length ?? 0) > 0 && (b.stats()?.owned.length ?? 0) > 0, {
      what: 'both members to own partitions',
    });

    const emitted = new Map<string, string[]>();
    const emitter = new Emitter({ cluster, topic, codec: json<CountEvent>() });
    const emitStarted = Date.now();
    const emitting = (async () => {
      for (let i = 0; i < EVENTS; i += 50) {
        const due = emitStarted + (i / RATE) * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
        const sends: Promise<unknown>[] = [];
        for (let j = i; j < Math.min(EVENTS, i + 50); j++)
          sends.push(emitCounted(emitter, emitted, `k${j % KEYS}`, j));
        await Promise.all(sends);
      }
      await emitter.close();
    })();
    emitting.catch(() => undefined);

    const lapses: unknown[] = [];
    // Twice: frozen past the session, b takes over; thawed, a rejoins as a new member.
    for (let round = 0; round < 2; round++) {
      await sleep(3_000);
      const owned = a.stats()?.owned ?? [];
      a.freeze();
      await eventually(
        () => (b.stats()?.owned.length ?? 0) === PARTITIONS && b.stats()?.state === 'running',
        {
          timeoutMs: 60_000,
          what: `b to take over a's partitions ${owned}`,
        },
      );
      await sleep(SESSION_TIMEOUT_MS / 2); // b processes a's partitions for a while
      a.resume();
      await eventually(() => (a.stats()?.owned.length ?? 0) > 0, { timeoutMs: 60_000, what: 'a to rejoin' });
      const s = a.stats();
      lapses.push({
        leaseLapses: s?.leaseLapses,
        dropped: s?.lapseDroppedWrites,
        rejoinedAsNew: s?.rejoinedAsNew,
      });
    }
    await emitting;
    await eventually(() => caughtUp(cluster, admin, group, topic), {
      timeoutMs: 120_000,
      intervalMs: 250,
      what: 'the group to commit every event',
    });

    const table = await readTable(cluster, `${group}-table`, json<Tally>());
    const result = audit(table, emitted);
    console.log(`GOKA_FROZEN_MEMBER ${JSON.stringify({ ...result, lostIds: undefined, a: lapses })}`);
    expect(result.lostIds).toEqual([]);
    expect(result.lost).toBe(0);
    await Promise.all([a.stop(), b.stop()]);
  },
  300_000,
);
