import { afterEach, describe, expect, it } from 'vitest';
import {
  type Context,
  createTester,
  defineGroup,
  input,
  join,
  json,
  lookup,
  loopback,
  output,
  persist,
  string,
  type Tester,
} from '../src/index.ts';

let t: Tester;
afterEach(async () => {
  await t?.stop();
});

describe('context', () => {
  it('exposes the message coordinates and headers', async () => {
    t = createTester({ partitions: 4 });
    const seen: Omit<
      Context,
      'value' | 'setValue' | 'delete' | 'join' | 'lookup' | 'emit' | 'loopback' | 'fail'
    >[] = [];
    const g = defineGroup(
      'coords',
      input('events', string(), (ctx) => {
        seen.push({
          group: ctx.group,
          key: ctx.key,
          topic: ctx.topic,
          partition: ctx.partition,
          offset: ctx.offset,
          timestamp: ctx.timestamp,
          headers: ctx.headers,
        });
      }),
    );
    await t.processor(g);
    const before = Date.now();
    await t.consume('events', 'alice', 'hi', { headers: { trace: 't-1' } });
    await t.consume('events', 'alice', 'again');
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({
      group: 'coords',
      key: 'alice',
      topic: 'events',
      offset: 0,
      headers: { trace: 't-1' },
    });
    expect(seen[1]!.offset).toBe(1);
    expect(seen[1]!.partition).toBe(seen[0]!.partition);
    expect(seen[0]!.timestamp).toBeGreaterThanOrEqual(before);
  });

  it('value, setValue and delete act on the current key only, and see earlier writes at once', async () => {
    t = createTester();
    const g = defineGroup(
      'kv',
      persist(json<{ n: number }>()),
      input('ops', json<{ op: 'inc' | 'del' }>(), (ctx, m) => {
        if (m.op === 'del') ctx.delete();
        else ctx.setValue({ n: (ctx.value()?.n ?? 0) + 1 });
      }),
    );
    await t.processor(g);
    for (let i = 0; i < 3; i++) await t.consume('ops', 'a', { op: 'inc' });
    await t.consume('ops', 'b', { op: 'inc' });
    expect(t.tableValue(g, 'a')).toEqual({ n: 3 });
    await t.consume('ops', 'a', { op: 'del' });
    expect(t.tableValue(g, 'a')).toBeUndefined();
    expect(t.tableValue(g, 'b')).toEqual({ n: 1 });
    await t.consume('ops', 'a', { op: 'inc' });
    expect(t.tableValue(g, 'a')).toEqual({ n: 1 });
  });

  it('emits to outputs, keyed and partitioned by murmur2, with headers and tombstones', async () => {
    t = createTester({ partitions: 3 });
    const upper = output('upper', string());
    const g = defineGroup(
      'shout',
      upper,
      input('words', string(), (ctx, word) => {
        if (word === 'forget') ctx.emit(upper, ctx.key, null);
        else ctx.emit(upper, `${ctx.key}!`, word.toUpperCase(), { headers: { from: ctx.key } });
      }),
    );
    await t.processor(g);
    const out = t.track('upper', string());
    await t.consume('words', 'k1', 'hello');
    await t.consume('words', 'k2', 'forget');
    const [first, second] = out.all();
    expect(first).toMatchObject({ key: 'k1!', value: 'HELLO', headers: { from: 'k1' } });
    expect(second).toMatchObject({ key: 'k2', value: undefined });
    expect(out.next()).toBeUndefined();
    expect(out.hwm().reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('join reads the co-partitioned table at the current key', async () => {
    t = createTester();
    const limits = defineGroup(
      'limits',
      persist(json<number>()),
      input('set-limit', json<number>(), (ctx, n) => ctx.setValue(n)),
    );
    const limit = join(limits.table, json<number>());
    const g = defineGroup(
      'spend',
      persist(json<{ spent: number; rejected: number }>()),
      limit,
      input('purchases', json<number>(), (ctx, amount) => {
        const cur = ctx.value() ?? { spent: 0, rejected: 0 };
        const max = ctx.join(limit) ?? 0;
        ctx.setValue(
          cur.spent + amount <= max
            ? { ...cur, spent: cur.spent + amount }
            : { ...cur, rejected: cur.rejected + 1 },
        );
      }),
    );
    await t.processor(limits);
    await t.processor(g);
    await t.consume('set-limit', 'u1', 10);
    await t.consume('purchases', 'u1', 7);
    await t.consume('purchases', 'u1', 7);
    await t.consume('purchases', 'u2', 1);
    expect(t.tableValue(g, 'u1')).toEqual({ spent: 7, rejected: 1 });
    expect(t.tableValue(g, 'u2')).toEqual({ spent: 0, rejected: 1 });
    // The join follows the other table while processing goes on.
    await t.consume('set-limit', 'u1', 100);
    await t.consume('purchases', 'u1', 50);
    expect(t.tableValue(g, 'u1')).toEqual({ spent: 57, rejected: 1 });
  });

  it('lookup reads any key of another group table', async () => {
    t = createTester();
    const dictionary = defineGroup(
      'dictionary',
      persist(string()),
      input('define', string(), (ctx, translation) => ctx.setValue(translation)),
    );
    const words = lookup(dictionary.table, string());
    const translated = output('translated', string());
    const g = defineGroup(
      'translator',
      words,
      translated,
      input('sentences', string(), async (ctx, sentence) => {
        const parts = await Promise.all(
          sentence.split(' ').map(async (w) => (await ctx.lookup(words, w)) ?? w),
        );
        ctx.emit(translated, ctx.key, parts.join(' '));
      }),
    );
    await t.processor(dictionary);
    await t.processor(g);
    await t.consume('define', 'hallo', 'hello');
    await t.consume('define', 'welt', 'world');
    const out = t.track('translated', string());
    await t.consume('sentences', 's1', 'hallo schöne welt');
    expect(out.next()?.value).toBe('hello schöne world');
  });

  it('loopback chains go A → B → A and stop', async () => {
    t = createTester({ partitions: 4 });
    const g = defineGroup(
      'pingpong',
      persist(json<number>()),
      loopback(json<{ from: string; left: number }>(), (ctx, m) => {
        ctx.setValue((ctx.value() ?? 0) + 1);
        if (m.left > 0) ctx.loopback(m.from, { from: ctx.key, left: m.left - 1 });
      }),
      input('serve', json<{ to: string; rallies: number }>(), (ctx, m) => {
        ctx.loopback(m.to, { from: ctx.key, left: m.rallies });
      }),
    );
    await t.processor(g);
    await t.consume('serve', 'A', { to: 'B', rallies: 5 });
    // B receives 3 (left 5, 3, 1), A receives 3 (left 4, 2, 0).
    expect(t.tableValue(g, 'A')).toBe(3);
    expect(t.tableValue(g, 'B')).toBe(3);
  });

  it('stateless groups route messages', async () => {
    t = createTester();
    const even = output('even', json<number>());
    const g = defineGroup(
      'router',
      even,
      input('numbers', json<number>(), (ctx, n) => {
        if (n % 2 === 0) ctx.emit(even, ctx.key, n);
      }),
    );
    await t.processor(g);
    const out = t.track('even', json<number>());
    for (const n of [1, 2, 3, 4]) await t.consume('numbers', `n${n}`, n);
    expect(out.all().map((m) => m.value)).toEqual([2, 4]);
  });

  it('skips tombstones on inputs and counts them', async () => {
    t = createTester({ partitions: 1 });
    let calls = 0;
    const g = defineGroup(
      'counter',
      input('in', string(), () => void calls++),
    );
    const p = await t.processor(g);
    await t.consume('in', 'k', 'x');
    await t.consume('in', 'k', null);
    expect(calls).toBe(1);
    expect(p.stats().partitions[0]).toMatchObject({ processed: 1, skippedTombstones: 1 });
  });
});

describe('misuse fails visibly, naming the group and edge', () => {
  it.each([
    [
      'emit to an undeclared output',
      (ctx: Context) => ctx.emit('nowhere', 'k', 'v'),
      /group "misuse": emit\("nowhere"\).*output\(\)/,
    ],
    [
      'setValue without persist',
      (ctx: Context) => ctx.setValue(1),
      /group "misuse": setValue\(\).*persist\(\)/,
    ],
    [
      'join on an undeclared table',
      (ctx: Context) => ctx.join('other-table'),
      /group "misuse": join\("other-table"\)/,
    ],
    [
      'loopback without loopback edge',
      (ctx: Context) => ctx.loopback('k', 1),
      /group "misuse": loopback\(\)/,
    ],
    ['ctx.fail', (ctx: Context) => ctx.fail(new Error('bad input')), /group "misuse".*bad input/],
  ])('%s', async (_name, misuse, message) => {
    t = createTester();
    const g = defineGroup(
      'misuse',
      input('in', string(), (ctx) => {
        misuse(ctx);
      }),
    );
    const p = await t.processor(g);
    await expect(t.consume('in', 'k', 'v')).rejects.toThrow(/failed/);
    expect(p.state).toBe('failed');
    expect(p.error?.message).toMatch(message);
    await expect(p.done()).rejects.toThrow(message);
  });

  it('lookup of an undeclared table rejects inside the callback', async () => {
    t = createTester();
    const g = defineGroup(
      'misuse',
      input('in', string(), async (ctx) => {
        await ctx.lookup('other-table', 'x');
      }),
    );
    const p = await t.processor(g);
    await expect(t.consume('in', 'k', 'v')).rejects.toThrow();
    expect(p.error?.message).toMatch(/lookup\("other-table"\)/);
  });
});
