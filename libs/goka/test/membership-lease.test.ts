import { afterEach, expect, it } from 'vitest';
import {
  defineGroup,
  input,
  json,
  type MemoryCluster,
  memoryCluster,
  Processor,
  persist,
} from '../src/index.ts';
import { MembershipLease } from '../src/processor/lease/membership-lease.ts';
import { GatedCluster, until } from './support/gated-cluster.ts';
import { type CountEvent, type Tally, tallyGroup, testLogger } from './support/kafka.ts';

/**
 * The membership lease on the memory cluster. `stallHeartbeats` simulates a member that froze:
 * the group acknowledges none of its heartbeats, yet the member's code goes on running — exactly
 * what a member sees when it thaws after its session expired. Its partitions must stop writing.
 */

const SESSION_MS = 200;
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.allSettled(stops.splice(0).map((s) => s()));
});

function setup(session = SESSION_MS) {
  const inner = memoryCluster({ partitions: 1, sessionTimeoutMs: session });
  inner.createTopic({ name: 'in', partitions: 1 });
  return inner;
}

function send(cluster: MemoryCluster, n: number) {
  const key = `k${n % 3}`;
  return cluster.producer().send([
    {
      topic: 'in',
      partition: 0,
      key: Buffer.from(key),
      value: Buffer.from(JSON.stringify({ id: `e${n}` })),
    },
  ]);
}

/** The table as its changelog holds it: the latest value of each key. */
function changelog(cluster: MemoryCluster, group: string): Map<string, Tally> {
  const table = new Map<string, Tally>();
  for (const r of cluster.records(`${group}-table`, 0)) {
    table.set(r.key!.toString(), JSON.parse(r.value!.toString()) as Tally);
  }
  return table;
}

/** Every event id the changelog's latest values hold, sorted. */
function appliedIds(cluster: MemoryCluster, group: string): string[] {
  return [...changelog(cluster, group).values()].flatMap((t) => t.ids).sort();
}

function ids(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `e${from + i}`).sort();
}

it('a member whose heartbeats go unacknowledged stops at the lease, drops its queued writes and starts over once the group confirms it', async () => {
  const inner = setup();
  const gated = new GatedCluster(inner);
  gated.gated = false;
  const p = new Processor(tallyGroup('frozen', 'in', 'a'), { cluster: gated.cluster, logger: testLogger() });
  stops.push(() => p.stop());
  await p.start();
  for (let n = 0; n < 10; n++) await send(inner, n);
  await until(() => inner.committedOffset('frozen', 'in', 0) === 10, 'the first 10 committed');

  // e10's table write is in flight (handed to the client); e11's queues behind it in the producer.
  gated.gated = true;
  await send(inner, 10);
  await until(() => gated.waiting === 1, "e10's write in flight");
  await send(inner, 11);
  await until(() => p.stats().processed === 12, 'e11 processed');

  inner.stallHeartbeats('frozen');
  await until(() => p.stats().leaseLapses === 1, 'the lease to run out', 2_000);
  expect(p.stats().lapseDroppedWrites).toBe(1); // e11's write, queued behind e10's
  expect(p.state).not.toBe('failed');

  // Records that arrive meanwhile are not processed by the lapsed member.
  await send(inner, 12);
  await new Promise((resolve) => setTimeout(resolve, SESSION_MS));
  expect(p.stats().processed).toBeLessThanOrEqual(12);
  gated.open(); // e10's write lands: it had left before the lease ran out
  await until(() => inner.committedOffset('frozen', 'in', 0) === 11, 'e10 committed');
  expect(appliedIds(inner, 'frozen')).toEqual(ids(0, 11)); // e11's write never reached the changelog

  // The group confirms the membership: the partition starts over from the changelog and the
  // committed offset, and applies e11 and e12 once each.
  await inner.resumeHeartbeats('frozen');
  await until(() => inner.committedOffset('frozen', 'in', 0) === 13, 'everything committed', 5_000);
  expect(appliedIds(inner, 'frozen')).toEqual(ids(0, 13));
  expect(p.state).toBe('running');
  expect(p.stats().leaseLapses).toBe(1);
});

it('held-back (coalesced) writes of an expelled member never reach the changelog; a member whose lease holds is not affected', async () => {
  const inner = setup();
  // Coalescing with a window longer than the test: every table write is held back until a flush.
  const frozen = new Processor(tallyGroup('expelled', 'in', 'a'), {
    cluster: inner,
    logger: testLogger(),
    coalesce: { windowMs: 60_000 },
  });
  // A member of another group whose callbacks take long (most of a session per batch): its
  // heartbeats are acknowledged throughout, so its lease holds and nothing of it stops.
  const slow = defineGroup(
    'steady',
    persist(json<Tally>()),
    input('in', json<CountEvent>(), async (ctx, event) => {
      await new Promise((resolve) => setTimeout(resolve, SESSION_MS / 4));
      const v = ctx.value();
      ctx.setValue({ n: (v?.n ?? 0) + 1, ids: [...(v?.ids ?? []), event.id], by: 'b', at: ctx.offset });
    }),
  );
  const steady = new Processor(slow, { cluster: inner, logger: testLogger() });
  stops.push(
    () => frozen.stop(),
    () => steady.stop(),
  );
  await Promise.all([frozen.start(), steady.start()]);
  for (let n = 0; n < 6; n++) await send(inner, n);
  await until(() => frozen.stats().processed === 6, 'the expelled member to process e0..e5');
  expect(inner.records('expelled-table', 0)).toHaveLength(0); // all held back

  inner.stallHeartbeats('expelled');
  await until(() => frozen.stats().leaseLapses === 1, 'the lease to run out', 2_000);
  expect(frozen.stats().lapseDroppedWrites).toBe(3); // one coalesced write per key
  expect(inner.records('expelled-table', 0)).toHaveLength(0);
  expect(inner.committedOffset('expelled', 'in', 0) ?? 0).toBe(0);

  // Expelled meanwhile: the member rejoins as a new one, every partition starts anew.
  await inner.resumeHeartbeats('expelled', { expel: true });
  for (let n = 6; n < 9; n++) await send(inner, n);
  await until(() => frozen.stats().processed === 9, 'the new task to process e0..e8 from the start');
  await frozen.stop(); // flushes what is held now (written from the recovered state)
  expect(appliedIds(inner, 'expelled')).toEqual(ids(0, 9));
  expect(frozen.state).toBe('stopped');

  await until(() => inner.committedOffset('steady', 'in', 0) === 9, 'the steady member to commit all');
  // 9 callbacks of a quarter session each: it worked through more than two sessions.
  expect(appliedIds(inner, 'steady')).toEqual(ids(0, 9));
  expect(steady.stats().leaseLapses).toBe(0);
  expect(steady.state).toBe('running');
});

it('the lease runs out after 3/4 of the session without a confirmation, and not before the first join', () => {
  const membership = { confirmedAt: 0, sessionTimeoutMs: 1_000 };
  const lease = new MembershipLease();
  expect(lease.lapsed()).toBe(false); // no membership at all: never lapses
  lease.use(membership);
  expect(lease.lapsed()).toBe(false); // not joined yet: it owns nothing
  membership.confirmedAt = Date.now() - 700;
  expect(lease.lapsed()).toBe(false);
  membership.confirmedAt = Date.now() - 800;
  expect(lease.lapsed()).toBe(true);
  expect(lease.error().message).toMatch(/no heartbeat acknowledged for 8\d\d ms/);
  membership.confirmedAt = Date.now(); // a heartbeat acknowledged: the lease holds again
  expect(lease.lapsed()).toBe(false);
});

it('a callback that awaited across the lapse writes nothing when it finishes, and the partition goes on after the restart', async () => {
  const inner = setup();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let waiting = false;
  const g = defineGroup(
    'awaiting',
    persist(json<Tally>()),
    input('in', json<CountEvent>(), async (ctx, event) => {
      if (event.id === 'e3') {
        waiting = true;
        await gate;
      }
      const v = ctx.value();
      ctx.setValue({ n: (v?.n ?? 0) + 1, ids: [...(v?.ids ?? []), event.id], by: 'a', at: ctx.offset });
    }),
  );
  const p = new Processor(g, { cluster: inner, logger: testLogger() });
  stops.push(() => p.stop());
  await p.start();
  for (let n = 0; n < 4; n++) await send(inner, n);
  await until(() => waiting, "e3's callback waiting");
  inner.stallHeartbeats('awaiting');
  await until(() => p.stats().leaseLapses === 1, 'the lease to run out', 2_000);
  release(); // e3's callback finishes after the lapse: its write is dropped, not sent
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(appliedIds(inner, 'awaiting')).toEqual(ids(0, 3));

  await inner.resumeHeartbeats('awaiting');
  await send(inner, 4); // the next batch meets the lapsed task: the partition restarts
  await until(() => inner.committedOffset('awaiting', 'in', 0) === 5, 'e3 and e4 committed', 5_000);
  expect(appliedIds(inner, 'awaiting')).toEqual(ids(0, 5));
  expect(p.state).toBe('running');
  expect(p.stats().leaseLapses).toBe(1);
});

it('an idle partition stopped by a lapse starts over once the lease holds again, without waiting for a record', async () => {
  const inner = setup();
  const p = new Processor(tallyGroup('idle', 'in', 'a'), { cluster: inner, logger: testLogger() });
  stops.push(() => p.stop());
  await p.start();
  for (let n = 0; n < 3; n++) await send(inner, n);
  await until(() => inner.committedOffset('idle', 'in', 0) === 3, 'the first 3 committed');

  inner.stallHeartbeats('idle');
  await until(() => p.stats().leaseLapses === 1, 'the lease to run out', 2_000);
  await until(() => p.stats().partitions[0]?.state === 'lapsed', 'the partition stopped');
  await inner.resumeHeartbeats('idle');
  // No record arrives: before, the partition stayed `lapsed` (in /admin/groups too) until one did.
  await until(() => p.stats().partitions[0]?.state === 'running', 'the partition running again', 5_000);
  await send(inner, 3);
  await until(() => inner.committedOffset('idle', 'in', 0) === 4, 'the next record committed');
  expect(appliedIds(inner, 'idle')).toEqual(ids(0, 4));
});

it('a write still unanswered two sessions after the lapse is given up: the partition does not wait on it for ever and starts over', async () => {
  const inner = setup();
  const gated = new GatedCluster(inner);
  gated.gated = false;
  const p = new Processor(tallyGroup('unanswered', 'in', 'a'), {
    cluster: gated.cluster,
    logger: testLogger(),
  });
  stops.push(() => p.stop());
  await p.start();
  for (let n = 0; n < 5; n++) await send(inner, n);
  await until(() => inner.committedOffset('unanswered', 'in', 0) === 5, 'the first 5 committed');

  // e5's table write reaches the client and is never answered (a request to a broker that died);
  // later requests go through.
  gated.gated = true;
  await send(inner, 5);
  await until(() => gated.waiting === 1, "e5's write in flight");
  gated.gated = false;

  inner.stallHeartbeats('unanswered');
  await until(() => p.stats().leaseLapses === 1, 'the lease to run out', 2_000);
  await inner.resumeHeartbeats('unanswered');
  await send(inner, 6);
  // Before, the partition's restart waited for e5's write for ever and nothing more was applied.
  await until(() => inner.committedOffset('unanswered', 'in', 0) === 7, 'e5 and e6 committed', 5_000);
  expect(appliedIds(inner, 'unanswered')).toEqual(ids(0, 7));
  expect(gated.waiting).toBe(1); // the first write of e5 was never answered
  expect(p.state).toBe('running');
});
