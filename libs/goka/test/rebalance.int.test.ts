import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AssignerProtocol } from 'kafkajs';
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
  type Tally,
  testBrokers,
  testCluster,
  unique,
} from './support/kafka.ts';

/**
 * Issue 4, fault test 2: instances join and leave gracefully while events arrive. No instance
 * crashes, so no event may be applied twice: every handoff finishes and commits the work of the
 * partition before the next owner starts. At the end each partition has exactly one owner.
 */
const EVENTS = 60_000;
const KEYS = 5_000;
const PARTITIONS = 6;
const RATE = 3_000;

const cluster = testCluster();
const admin = rawAdmin();
const dir = mkdtempSync(join(tmpdir(), 'goka-rebalance-'));
const instances: Instance[] = [];

afterAll(async () => {
  await Promise.allSettled(instances.map((i) => i.kill()));
  await admin.disconnect().catch(() => undefined);
  await cluster.close();
  rmSync(dir, { recursive: true, force: true });
});

test('rebalance test: graceful joins and leaves under load apply every event exactly once', async () => {
  const topic = unique('tally-events');
  const group = unique('tally');
  await cluster.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
  await admin.connect();
  const [a, b, c] = ['a', 'b', 'c'].map(
    (name) => new Instance(name, { brokers: testBrokers(), group, topic, dir }),
  );
  instances.push(a!, b!, c!);
  a!.start();
  await a!.whenRunning();

  const emitted = new Map<string, string[]>();
  const emitter = new Emitter({ cluster, topic, codec: json<CountEvent>() });
  const emitStarted = Date.now();
  const emitting = (async () => {
    for (let i = 0; i < EVENTS; i += 100) {
      const due = emitStarted + (i / RATE) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
      const sends: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(EVENTS, i + 100); j++) {
        sends.push(emitCounted(emitter, emitted, `k${(j * 7919) % KEYS}`, j));
      }
      await Promise.all(sends);
    }
    await emitter.close();
  })();
  emitting.catch(() => undefined); // awaited below; a failure before that must not go unhandled

  // Joins and graceful leaves, each while events keep coming.
  const steps: [number, () => Promise<void> | void][] = [
    [2_000, () => b!.start()],
    [3_000, () => c!.start()],
    [3_000, () => a!.stop()],
    [3_000, () => a!.start()],
    [3_000, () => b!.stop()],
  ];
  for (const [wait, step] of steps) {
    await sleep(wait);
    await step();
  }
  await emitting;
  await eventually(() => caughtUp(cluster, admin, group, topic), {
    timeoutMs: 120_000,
    intervalMs: 250,
    what: 'the group to commit every event',
  });

  const table = await readTable(cluster, `${group}-table`, json<Tally>());
  const result = audit(table, emitted);
  console.log(`GOKA_REBALANCE_TEST ${JSON.stringify({ ...result, lostIds: undefined })}`);
  expect(result.lostIds).toEqual([]);
  expect(result.duplicates).toBe(0);
  for (const [key, ids] of emitted) expect(table.get(key)?.n, key).toBe(ids.length);

  // Ownership, as the instances see it and as the group coordinator assigned it.
  const running = [a!, c!];
  await Promise.all(running.map((i) => i.whenRunning()));
  await eventually(
    () => {
      const owned = running.flatMap((i) => i.stats()?.owned ?? []);
      return owned.length === PARTITIONS && new Set(owned).size === PARTITIONS;
    },
    { timeoutMs: 30_000, what: 'each partition to be owned by exactly one instance' },
  );
  const { groups } = await admin.describeGroups([group]);
  const members = groups[0]?.members ?? [];
  expect(members).toHaveLength(running.length);
  const assigned = members.flatMap(
    (m) => AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic] ?? [],
  );
  expect([...assigned].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  expect(running.map((i) => i.stats()?.owned.length)).toEqual([3, 3]);
}, 300_000);
