import { describe, expect, it } from 'vitest';
import {
  createTester,
  defineGroup,
  input,
  json,
  output,
  type SessionRow,
  sessionRowCodec,
  sessionTable,
  sessionWindows,
  windowRowCodec,
} from '../src/index.ts';
import { seeded } from './support/seeded.ts';

const MIN = 60_000;

interface Closed {
  start: number;
  end: number;
  count: number;
}

/** Clicks per user per session; each closed session is emitted once on `sessions-closed`. */
const perSession = (name: string, gap: number, grace = 0, retention?: number) => {
  const sessions = sessionTable(
    name,
    sessionWindows(gap, { grace, ...(retention === undefined ? {} : { retention }) }),
    json<number>(),
    {
      onClose: (ctx, s) =>
        ctx.emit('sessions-closed', ctx.key, { start: s.start, end: s.end, count: s.value }),
    },
  );
  const group = defineGroup<SessionRow<number>>(
    `${name}-group`,
    ...sessions.edges(),
    output('sessions-closed', json<Closed>()),
    input('clicks', json<string>(), (ctx) => {
      sessions.update(
        ctx,
        (n) => (n ?? 0) + 1,
        (a, b) => a + b,
      );
    }),
  );
  return { sessions, group };
};

describe('session specs and rows', () => {
  it('validates gap, grace and retention; the row codec round-trips and is not a window row', () => {
    expect(sessionWindows(MIN)).toEqual({ gap: MIN, grace: 0, retention: MIN });
    expect(sessionWindows(MIN, { grace: 5 })).toEqual({ gap: MIN, grace: 5, retention: MIN + 5 });
    expect(() => sessionWindows(0)).toThrow(/gap/);
    expect(() => sessionWindows(MIN, { retention: MIN - 1 })).toThrow(/retention/);
    const codec = sessionRowCodec(json<{ a: number }>());
    const row = {
      sessions: [
        { start: 1_796_665_890_000, end: 1_796_665_899_000, value: { a: 1 }, closed: true },
        { start: 1_796_665_950_000, end: 1_796_665_950_000, value: { a: 2 }, closed: false },
      ],
    };
    expect(codec.decode(codec.encode(row))).toEqual(row);
    const windowRow = windowRowCodec(json<number>()).encode({
      windows: [{ start: 0, value: 1, closed: false }],
    });
    expect(() => codec.decode(windowRow)).toThrow(/session row/);
  });
});

describe('session tables', () => {
  it('records within the gap form one session; a record between two sessions merges them', async () => {
    const t = createTester({ partitions: 1 });
    const { sessions, group } = perSession('merge', 10 * MIN, 30 * MIN, 60 * MIN);
    await t.processor(group);
    for (const ts of [0, 5 * MIN, 30 * MIN, 38 * MIN])
      await t.consume('clicks', 'ann', 'c', { timestamp: ts });
    const fetch = () =>
      sessions
        .fetch(t.tableValue(group, 'ann'), 0, 100 * MIN)
        .map((s) => [s.start / MIN, s.end / MIN, s.value]);
    expect(fetch()).toEqual([
      [0, 5, 2],
      [30, 38, 2],
    ]);
    // Out of order (within grace) and within the gap of neither (11 after 5, 14 before 30): a third session …
    await t.consume('clicks', 'ann', 'c', { timestamp: 16 * MIN });
    expect(fetch()).toEqual([
      [0, 5, 2],
      [16, 16, 1],
      [30, 38, 2],
    ]);
    // … and 22 min is within 10 of 16 and of 30: the last two merge (merge then fold).
    await t.consume('clicks', 'ann', 'c', { timestamp: 22 * MIN });
    expect(fetch()).toEqual([
      [0, 5, 2],
      [16, 38, 4],
    ]);
    // A range read returns the sessions overlapping it.
    expect(sessions.fetch(t.tableValue(group, 'ann'), 6 * MIN, 14 * MIN)).toEqual([]);
    expect(sessions.fetch(t.tableValue(group, 'ann'), 5 * MIN, 16 * MIN).map((s) => s.start)).toEqual([
      0,
      16 * MIN,
    ]);
    const view = await t.view(group.table, sessions.codec);
    expect((await sessions.fetchFrom(view, 'ann', 20 * MIN, 20 * MIN)).map((s) => s.value)).toEqual([4]);
    await t.stop();
  });

  it('closes each session once when stream time passes end + gap + grace, drops late records, expires by retention', async () => {
    const t = createTester({ partitions: 1 });
    const { sessions, group } = perSession('close', 5 * MIN, MIN, 20 * MIN);
    await t.processor(group);
    const closed = t.track<Closed>('sessions-closed');
    await t.consume('clicks', 'bob', 'c', { timestamp: 0 });
    await t.consume('clicks', 'bob', 'c', { timestamp: 2 * MIN });
    // Stream time 8 min: bob's session [0, 2] closes after 2 + 5 + 1 = 8 min, strictly: still open.
    await t.consume('clicks', 'cat', 'c', { timestamp: 8 * MIN });
    expect(closed.all()).toEqual([]);
    // 6.5 min is out of order but within grace, and within the gap of bob's session: it joins.
    await t.consume('clicks', 'bob', 'c', { timestamp: 6 * MIN + 30_000 });
    await t.consume('clicks', 'cat', 'c', { timestamp: 15 * MIN }); // sweeps at the 15 min boundary
    expect(closed.all().map((m) => [m.key, m.value])).toEqual([
      ['bob', { start: 0, end: 6 * MIN + 30_000, count: 3 }],
      ['cat', { start: 8 * MIN, end: 8 * MIN, count: 1 }],
    ]);
    // A record whose own session would already be closed is late (3 + 5 + 1 < 15).
    await t.consume('clicks', 'bob', 'c', { timestamp: 3 * MIN });
    expect(sessions.late).toBe(1);
    expect(sessions.fetch(t.tableValue(group, 'bob'), 0, 60 * MIN)).toMatchObject([
      { value: 3, closed: true },
    ]);
    // Past bob's end + retention (6.5 + 20 min): the row goes; cat's 15-min session is kept.
    await t.consume('clicks', 'cat', 'c', { timestamp: 30 * MIN });
    expect(t.tableValue(group, 'bob')).toBeUndefined();
    expect(sessions.fetch(t.tableValue(group, 'cat'), 0, 60 * MIN).map((s) => s.start / MIN)).toEqual([
      15, 30,
    ]);
    await t.stop();
  });

  it('equals the batch oracle (sorted timestamps split at gaps) for out-of-order input within grace', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = seeded(seed);
      const gap = 10_000;
      const grace = 4_000;
      const keys = ['k1', 'k2', 'k3', 'k4'];
      const events: { key: string; ts: number }[] = [];
      for (const key of keys) {
        let ts = Math.floor(random() * 20_000);
        for (let i = 0; i < 40; i++) {
          events.push({ key, ts });
          ts += random() < 0.8 ? Math.floor(random() * gap) : gap + 1 + Math.floor(random() * 3 * gap);
        }
      }
      // Disorder of at most `grace`: sent in the order of ts + u, u in [0, grace].
      const sent = events
        .map((e) => ({ ...e, order: e.ts + random() * grace }))
        .sort((a, b) => a.order - b.order);
      const t = createTester({ partitions: 2 });
      const { sessions, group } = perSession(`oracle${seed}`, gap, grace, 10 * 60 * MIN);
      await t.processor(group);
      const closed = t.track<Closed>('sessions-closed');
      for (const e of sent) await t.consume('clicks', e.key, 'c', { timestamp: e.ts });
      // A far later click on every partition's keys closes everything that is left.
      const last = Math.max(...events.map((e) => e.ts));
      for (const key of keys) await t.consume('clicks', key, 'c', { timestamp: last + 10 * gap });
      expect(sessions.late, `seed ${seed}`).toBe(0);
      const allClosed = closed.all();
      for (const key of keys) {
        const times = events.filter((e) => e.key === key).map((e) => e.ts);
        times.sort((a, b) => a - b);
        const oracle: Closed[] = [];
        for (const ts of times) {
          const current = oracle.at(-1);
          if (current && ts - current.end <= gap) {
            current.end = ts;
            current.count++;
          } else oracle.push({ start: ts, end: ts, count: 1 });
        }
        const got = allClosed.filter((m) => m.key === key).map((m) => m.value);
        expect(got, `seed ${seed} key ${key}`).toEqual(oracle);
      }
      await t.stop();
    }
  });

  it('exactly-once: closes and their emits commit with the batch', async () => {
    const t = createTester({ partitions: 1 });
    const { group } = perSession('eos', MIN);
    const p = await t.processor(group, { guarantee: 'exactly-once' });
    const closed = t.track<Closed>('sessions-closed');
    await t.consume('clicks', 'a', 'c', { timestamp: 1 });
    await t.consume('clicks', 'a', 'c', { timestamp: 3 * MIN });
    expect(closed.all().map((m) => m.value)).toEqual([{ start: 1, end: 1, count: 1 }]);
    expect(p.stats().state).toBe('running');
    await t.stop();
  });
});
