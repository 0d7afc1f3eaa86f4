import { describe, expect, it } from 'vitest';
import {
  createTester,
  defineGroup,
  hopping,
  input,
  json,
  output,
  tumbling,
  type WindowRow,
  windowedTable,
  windowRowCodec,
  windowStarts,
} from '../src/index.ts';

const MIN = 60_000;

/** Messages per sender per minute; each closed minute is emitted once on `per-minute`. */
const perMinute = (name: string, grace = 0, retention = 5 * MIN) => {
  const windows = windowedTable(name, tumbling(MIN, { grace, retention }), json<number>(), {
    onClose: (ctx, w) => ctx.emit('per-minute', ctx.key, { start: w.start, count: w.value }),
  });
  const group = defineGroup<WindowRow<number>>(
    `${name}-group`,
    ...windows.edges(),
    output('per-minute', json<{ start: number; count: number }>()),
    input('messages', json<string>(), (ctx) => {
      windows.update(ctx, (n) => (n ?? 0) + 1);
    }),
  );
  return { windows, group };
};

describe('window specs', () => {
  it('tumbling: one window per record; hopping: size/advance windows, epoch-aligned', () => {
    expect(windowStarts(tumbling(MIN), 61_000)).toEqual([MIN]);
    expect(windowStarts(hopping(3 * MIN, MIN), 3 * MIN + 5)).toEqual([MIN, 2 * MIN, 3 * MIN]);
    expect(windowStarts(hopping(10, 4), 9)).toEqual([0, 4, 8]);
    expect(() => hopping(10, 20)).toThrow(/advance/);
    expect(() => tumbling(10, { grace: 5, retention: 2 })).toThrow(/retention/);
  });

  it('the row codec round-trips and is versioned', () => {
    const codec = windowRowCodec(json<{ a: number }>());
    const row = {
      windows: [
        { start: 1_796_665_890_000, value: { a: 1 }, closed: true },
        { start: 1_796_665_950_000, value: { a: 2 }, closed: false },
      ],
    };
    expect(codec.decode(codec.encode(row))).toEqual(row);
    expect(() => codec.decode(Buffer.from('{}'))).toThrow(/window row/);
  });
});

describe('windowed tables', () => {
  it('count per key per tumbling window; range reads by window start', async () => {
    const t = createTester({ partitions: 2 });
    const { windows, group } = perMinute('count');
    await t.processor(group);
    for (const ts of [1_000, 2_000, MIN + 1, MIN + 2, MIN + 3]) {
      await t.consume('messages', 'alice', 'hi', { timestamp: ts });
    }
    const row = t.tableValue(group, 'alice');
    expect(windows.fetch(row, 0, 10 * MIN).map((w) => [w.start, w.end, w.value])).toEqual([
      [0, MIN, 2],
      [MIN, 2 * MIN, 3],
    ]);
    expect(windows.fetch(row, MIN, MIN).map((w) => w.value)).toEqual([3]);
    const view = await t.view(group.table, windows.codec);
    expect((await windows.fetchFrom(view, 'alice', 0, 0)).map((w) => w.value)).toEqual([2]);
    await t.stop();
  });

  it('closes each window once when stream time passes end + grace, drops late records, expires by retention', async () => {
    const t = createTester({ partitions: 1 });
    const { windows, group } = perMinute('close', 10_000, 2 * MIN);
    await t.processor(group);
    const closed = t.track<{ start: number; count: number }>('per-minute');
    await t.consume('messages', 'bob', 'x', { timestamp: 5_000 });
    await t.consume('messages', 'bob', 'x', { timestamp: 65_000 }); // past the end, within grace
    await t.consume('messages', 'bob', 'x', { timestamp: 30_000 }); // late but within grace: counted
    expect(closed.all()).toEqual([]);
    await t.consume('messages', 'carol', 'x', { timestamp: 2 * MIN + 500 }); // past 70,000 at the 120,000 boundary
    expect(closed.all().map((m) => [m.key, m.value])).toEqual([['bob', { start: 0, count: 2 }]]);
    await t.consume('messages', 'bob', 'x', { timestamp: 40_000 }); // window [0, 60,000) is closed
    expect(windows.late).toBe(1);
    expect(windows.fetch(t.tableValue(group, 'bob'), 0, 0)).toMatchObject([{ value: 2, closed: true }]);
    // Stream time just short of 4 min: [0,1min) passed end + retention (3 min) and is dropped;
    // bob's [1min,2min) and carol's [2min,3min) close, in key order.
    await t.consume('messages', 'dave', 'x', { timestamp: 4 * MIN - 1 });
    expect(closed.all().map((m) => [m.key, m.value])).toEqual([
      ['bob', { start: MIN, count: 1 }],
      ['carol', { start: 2 * MIN, count: 1 }],
    ]);
    expect(windows.fetch(t.tableValue(group, 'bob'), 0, 10 * MIN).map((w) => w.start)).toEqual([MIN]);
    // Everything of bob's past retention: the row goes.
    await t.consume('messages', 'dave', 'x', { timestamp: 10 * MIN + 1 });
    expect(t.tableValue(group, 'bob')).toBeUndefined();
    await t.stop();
  });

  it('hopping windows: a record counts in every window that holds it', async () => {
    const t = createTester({ partitions: 1 });
    const windows = windowedTable('hop', hopping(3 * MIN, MIN, { retention: 10 * MIN }), json<number>());
    const group = defineGroup<WindowRow<number>>(
      'hop-group',
      ...windows.edges(),
      input('messages', json<string>(), (ctx) => {
        windows.update(ctx, (n) => (n ?? 0) + 1);
      }),
    );
    await t.processor(group);
    await t.consume('messages', 'eve', 'x', { timestamp: 2 * MIN + 1 });
    await t.consume('messages', 'eve', 'x', { timestamp: 3 * MIN + 1 });
    const got = windows.fetch(t.tableValue(group, 'eve'), 0, 10 * MIN);
    expect(got.map((w) => [w.start / MIN, w.value])).toEqual([
      [0, 1],
      [1, 2],
      [2, 2],
      [3, 1],
    ]);
    await t.stop();
  });

  it('exactly-once: closes and their emits commit with the batch', async () => {
    const t = createTester({ partitions: 1 });
    const { group } = perMinute('eos');
    const p = await t.processor(group, { guarantee: 'exactly-once' });
    const closed = t.track<{ start: number; count: number }>('per-minute');
    await t.consume('messages', 'a', 'x', { timestamp: 1 });
    await t.consume('messages', 'a', 'x', { timestamp: MIN + 1 });
    expect(closed.all().map((m) => m.value)).toEqual([{ start: 0, count: 1 }]);
    expect(p.stats().state).toBe('running');
    await t.stop();
  });
});
