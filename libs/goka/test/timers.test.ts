import { describe, expect, it } from 'vitest';
import {
  createTester,
  defineGroup,
  input,
  json,
  output,
  persist,
  type TimerClock,
  timer,
} from '../src/index.ts';

interface Fired {
  timer: string;
  partition: number;
  time: number;
  streamTime: number;
}

/** A group whose timer reports each firing on `fired` and expires rows older than a minute. */
const timed = (name: string, clock: TimerClock, every: number) =>
  defineGroup<number>(
    name,
    persist(json<number>()),
    output('fired', json<Fired>()),
    input('events', json<number>(), (ctx, at) => ctx.setValue(at)),
    timer<number>('tick', { every, clock }, async (ctx) => {
      ctx.emit('fired', `p${ctx.partition}`, {
        timer: ctx.timer,
        partition: ctx.partition,
        time: ctx.time,
        streamTime: ctx.streamTime,
      });
      await ctx.visit((row) => {
        if ((row.value() ?? 0) < ctx.time - 60_000) row.delete();
      });
    }),
  );

describe('wall-clock timers', () => {
  it('fire on every owned partition at each boundary the tester moves the clock past', async () => {
    const t = createTester({ partitions: 3 });
    const g = timed('wall', 'wall', 1_000);
    await t.processor(g);
    const fired = t.track<Fired>('fired');
    await t.advanceWallClock(999);
    expect(fired.all()).toEqual([]);
    await t.advanceWallClock(2_001); // 1000, 2000, 3000
    const out = fired.all().map((m) => m.value!);
    expect(out).toHaveLength(9);
    for (const p of [0, 1, 2]) {
      expect(out.filter((f) => f.partition === p).map((f) => f.time)).toEqual([1_000, 2_000, 3_000]);
    }
    await t.stop();
  });

  it('may read, write and delete rows through visit, and emit', async () => {
    const t = createTester({ partitions: 2, wallClockStart: 100_000 });
    const g = timed('expiry', 'wall', 10_000);
    await t.processor(g);
    await t.consume('events', 'old', 1_000);
    await t.consume('events', 'fresh', 95_000);
    await t.advanceWallClock(10_000); // fires at 110,000: rows older than 50,000 go
    expect(t.tableValue(g, 'old')).toBeUndefined();
    expect(t.tableValue(g, 'fresh')).toBe(95_000);
    await t.stop();
  });

  it('fire only on the owner: two instances share the partitions and each boundary fires once per partition', async () => {
    const t = createTester({ partitions: 4 });
    const g = timed('shared', 'wall', 1_000);
    const a = await t.processor(g);
    const b = await t.processor(g);
    await t.waitIdle();
    expect([...a.partitions, ...b.partitions].sort()).toEqual([0, 1, 2, 3]);
    const fired = t.track<Fired>('fired');
    await t.advanceWallClock(1_000);
    expect(
      fired
        .all()
        .map((m) => m.value!.partition)
        .sort(),
    ).toEqual([0, 1, 2, 3]);
    // b leaves: its partitions move to a, whose timers then fire for them.
    await b.stop();
    await t.waitIdle();
    expect(a.partitions).toEqual([0, 1, 2, 3]);
    await t.advanceWallClock(1_000);
    const after = fired.all().map((m) => m.value!);
    expect(after.map((f) => f.partition).sort()).toEqual([0, 1, 2, 3]);
    expect(after.every((f) => f.time === 2_000)).toBe(true);
    await t.stop();
  });

  it('exactly-once: a wall-clock timer commits its own transaction', async () => {
    const t = createTester({ partitions: 2, wallClockStart: 200_000 });
    const g = timed('wall-eos', 'wall', 5_000);
    const p = await t.processor(g, { guarantee: 'exactly-once' });
    await t.consume('events', 'old', 1);
    const before = p.stats().transactions;
    const fired = t.track<Fired>('fired');
    await t.advanceWallClock(5_000);
    expect(fired.all()).toHaveLength(2);
    expect(t.tableValue(g, 'old')).toBeUndefined();
    expect(p.stats().transactions).toBeGreaterThan(before);
    await t.stop();
  });

  it('a throwing timer fails the processor (policy fail)', async () => {
    const t = createTester({ partitions: 1 });
    const g = defineGroup(
      'bad-timer',
      input('events', json<number>(), () => undefined),
      timer('boom', { every: 10, clock: 'wall' }, () => {
        throw new Error('tick failed');
      }),
    );
    const p = await t.processor(g);
    await t.clock.advance(10);
    await expect(p.done()).rejects.toThrow(/timer "boom" on partition 0 failed: tick failed/);
    await t.stop();
  });
});

describe('stream-time timers', () => {
  it('fire when a record moves the partition stream time past a boundary, once per jump', async () => {
    const t = createTester({ partitions: 1 });
    const g = timed('stream', 'stream', 1_000);
    await t.processor(g);
    const fired = t.track<Fired>('fired');
    await t.consume('events', 'a', 0, { timestamp: 500 });
    await t.consume('events', 'b', 0, { timestamp: 999 });
    expect(fired.all()).toEqual([]);
    await t.consume('events', 'c', 0, { timestamp: 1_000 });
    expect(fired.all().map((m) => m.value)).toEqual([
      { timer: 'tick', partition: 0, time: 1_000, streamTime: 1_000 },
    ]);
    // Out-of-order records do not move stream time back; a jump fires once, for the last boundary.
    await t.consume('events', 'd', 0, { timestamp: 400 });
    await t.consume('events', 'e', 0, { timestamp: 4_500 });
    expect(fired.all().map((m) => m.value!.time)).toEqual([4_000]);
    // The wall clock does not move stream time.
    await t.advanceWallClock(60_000);
    expect(fired.all()).toEqual([]);
    await t.stop();
  });

  it('each partition keeps its own stream time', async () => {
    const t = createTester({ partitions: 2 });
    const g = timed('stream-parts', 'stream', 1_000);
    await t.processor(g);
    const fired = t.track<Fired>('fired');
    // Find two keys in different partitions.
    const { partitionFor } = await import('../src/index.ts');
    const k0 = ['a', 'b', 'c', 'd', 'e'].find((k) => partitionFor(k, 2) === 0)!;
    const k1 = ['a', 'b', 'c', 'd', 'e'].find((k) => partitionFor(k, 2) === 1)!;
    await t.consume('events', k0, 0, { timestamp: 100 });
    await t.consume('events', k1, 0, { timestamp: 100 });
    await t.consume('events', k0, 0, { timestamp: 1_100 });
    expect(fired.all().map((m) => m.value!.partition)).toEqual([0]);
    await t.consume('events', k1, 0, { timestamp: 2_100 });
    expect(fired.all().map((m) => [m.value!.partition, m.value!.time])).toEqual([[1, 2_000]]);
    await t.stop();
  });

  it('exactly-once: the timer effects commit in the transaction of the batch that fired it', async () => {
    const t = createTester({ partitions: 1 });
    const g = timed('stream-eos', 'stream', 100_000);
    const p = await t.processor(g, { guarantee: 'exactly-once' });
    await t.consume('events', 'old', 1, { timestamp: 50_000 });
    const before = p.stats().transactions;
    const fired = t.track<Fired>('fired');
    await t.consume('events', 'new', 150_000, { timestamp: 150_000 });
    expect(fired.all()).toHaveLength(1);
    expect(t.tableValue(g, 'old')).toBeUndefined();
    expect(t.tableValue(g, 'new')).toBe(150_000);
    // The visit commits what the batch did before it, then its own chunk with the rest.
    expect(p.stats().transactions - before).toBeGreaterThanOrEqual(1);
    await t.stop();
  });
});
