import { type Interaction, type InteractionType, interactions } from '@showcase/contracts';
import { createTester, json, memoryStorage, Processor, type Tester, View } from '@showcase/goka';
import { afterEach, describe, expect, it } from 'vitest';
import { applyFeedback, applyRate, rateOf } from '../src/learn-steps.ts';
import {
  defaultLearnerConfig,
  emptyRow,
  isSoundRow,
  type LearnerConfig,
  likeProbability,
  type ModelRow,
  rowFor,
} from '../src/model.ts';
import { learnerGroup } from '../src/processors/learner.ts';
import { defaultSignalWeights } from '../src/signals.ts';
import { tables } from '../src/topics.ts';

let tester: Tester | undefined;
const extra: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of extra.splice(0)) await c.stop();
  await tester?.stop();
  tester = undefined;
});

const config: LearnerConfig = { ...defaultLearnerConfig, factors: 4 };
let seq = 0;
const interaction = (from: string, to: string, type: InteractionType): Interaction => ({
  id: `i${++seq}`,
  from,
  to,
  type,
  at: 1_700_000_000_000 + seq,
});

async function start(c: LearnerConfig = config) {
  tester = createTester({ partitions: 3 });
  const group = learnerGroup(c, defaultSignalWeights);
  await tester.processor(group);
  const t = tester;
  const send = (from: string, to: string, type: InteractionType) =>
    t.consume(interactions.name, from, interaction(from, to, type));
  const row = (user: string) => t.tableValue<ModelRow>(group, user);
  return { tester: t, group, send, row };
}

/** P(u likes v) as the ranker computes it from the two rows. */
const p = (u: ModelRow | undefined, v: ModelRow | undefined, c: LearnerConfig = config) =>
  likeProbability(
    (u ?? emptyRow('?', c)).taste,
    (u ?? emptyRow('?', c)).tasteBias,
    (v ?? emptyRow('?', c)).appeal,
    (v ?? emptyRow('?', c)).appealBias,
    c,
  );

describe('learner', () => {
  it('a like raises P(u likes v) and updates both sides through the loop; a pass lowers it', async () => {
    const { send, row } = await start();
    const before = p(emptyRow('u', config), emptyRow('v', config));
    await send('u', 'v', 'like');
    const u1 = row('u')!;
    const v1 = row('v')!;
    expect(u1).toMatchObject({ given: 1, received: 0 });
    expect(v1).toMatchObject({ received: 1, likesReceived: 1, given: 0 });
    expect(u1.taste).not.toEqual(emptyRow('u', config).taste);
    expect(v1.appeal).not.toEqual(emptyRow('v', config).appeal);
    // The rows each side did not learn stay at their initial values.
    expect(u1.appeal).toEqual(emptyRow('u', config).appeal);
    expect(v1.taste).toEqual(emptyRow('v', config).taste);
    const afterLike = p(u1, v1);
    expect(afterLike).toBeGreaterThan(before);

    await send('w', 'x', 'pass');
    expect(p(row('w'), row('x'))).toBeLessThan(p(emptyRow('w', config), emptyRow('x', config)));
    expect(row('x')).toMatchObject({ received: 1, likesReceived: 0 });
  });

  it('learns a planted taste: after training, liked kinds score above passed kinds for unseen pairs', async () => {
    const { send, row } = await start({ ...defaultLearnerConfig, factors: 4 });
    // Likers like "a" users and pass "b" users; the last liker never met a3 or b3.
    const likers = ['l0', 'l1', 'l2', 'l3', 'l4', 'l5'];
    for (let round = 0; round < 6; round++) {
      for (const [i, l] of likers.entries()) {
        for (const target of ['a0', 'a1', 'a2', 'a3', 'b0', 'b1', 'b2', 'b3']) {
          if (i === 5 && target.endsWith('3')) continue;
          await send(l, target, target.startsWith('a') ? 'like' : 'pass');
        }
      }
    }
    expect(p(row('l5'), row('a3'))).toBeGreaterThan(0.7);
    expect(p(row('l5'), row('b3'))).toBeLessThan(0.3);
  });

  it('rows equal the pure steps replayed over JSON: the table codec hands out remembered rows, never other results', async () => {
    const c: LearnerConfig = { ...defaultLearnerConfig, factors: 4, neighbours: 5 };
    const { send, row } = await start(c);
    const users = Array.from({ length: 12 }, (_, i) => `r${i}`);
    const types: InteractionType[] = ['like', 'pass', 'visit', 'message', 'unlike', 'block'];
    // What the table would hold with plain JSON rows and loop messages: every read parses.
    const stored = new Map<string, string>();
    const read = (user: string) => {
      const text = stored.get(user);
      return rowFor(user, text === undefined ? undefined : (JSON.parse(text) as ModelRow), c);
    };
    const trip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
    let x = 7;
    const next = (n: number) => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x % n;
    };
    for (let n = 0; n < 300; n++) {
      const from = users[next(users.length)]!;
      const to = users[(users.indexOf(from) + 1 + next(users.length - 1)) % users.length]!;
      const type = types[next(types.length)]!;
      await send(from, to, type);
      const at = 1_700_000_000_000 + seq;
      const rate = rateOf(read(from), { id: '', from, to, type, at }, defaultSignalWeights, at);
      if (!rate) continue;
      const rated = applyRate(read(to), trip(rate), c);
      stored.set(to, JSON.stringify(rated.row));
      if (rated.feedback)
        stored.set(from, JSON.stringify(applyFeedback(read(from), trip(rated.feedback), c)));
    }
    for (const user of users) expect(JSON.stringify(row(user))).toBe(stored.get(user));
  });

  it('ignores what it cannot learn from: wrong key, self-interactions, unblock, bad ids and types', async () => {
    const { tester: t, send, row } = await start();
    await t.consume(interactions.name, 'u', interaction('mallory', 'v', 'like'));
    await send('u', 'u', 'like');
    await send('u', 'v', 'unblock');
    await t.consume(interactions.name, 'u', { ...interaction('u', 'bad id!', 'like') });
    await t.consume(interactions.name, 'u', {
      ...interaction('u', 'v', 'like'),
      type: 'superlike' as InteractionType,
    });
    expect(row('u')).toBeUndefined();
    expect(row('v')).toBeUndefined();
    // Weaker signals still count.
    await send('u', 'v', 'visit');
    await send('u', 'v', 'message');
    expect(row('v')).toMatchObject({ received: 2, likesReceived: 0 });
  });

  it('never writes NaN or Infinity: adversarial loop messages and a huge learning rate', async () => {
    const wild: LearnerConfig = { ...defaultLearnerConfig, factors: 4, learningRate: 1, maxNorm: 100 };
    const { tester: t, group, send, row } = await start(wild);
    const loop = (key: string, m: unknown) => t.consume(group.loopTopic, key, m, { codec: json<unknown>() });
    const bad: unknown[] = [
      {
        kind: 'rate',
        from: 'a',
        label: 1,
        weight: 1,
        like: true,
        taste: [1e308, 1e308, 1e308, 1e308],
        tasteBias: 0,
        at: 1,
      },
      {
        kind: 'rate',
        from: 'a',
        label: 1,
        weight: 1,
        like: true,
        taste: [null, 0, 0, 0],
        tasteBias: 0,
        at: 1,
      },
      { kind: 'rate', from: 'a', label: 1, weight: 1, like: true, taste: [1, 2], tasteBias: 0, at: 1 },
      {
        kind: 'rate',
        from: 'a',
        label: 1,
        weight: 1e9,
        like: true,
        taste: [0, 0, 0, 0],
        tasteBias: 0,
        at: 1,
      },
      { kind: 'rate', from: 'a', label: 7, weight: 1, like: true, taste: [0, 0, 0, 0], tasteBias: 0, at: 1 },
      {
        kind: 'rate',
        from: 'a',
        label: 1,
        weight: 1,
        like: true,
        taste: [0, 0, 0, 0],
        tasteBias: 'x',
        at: 1,
      },
      { kind: 'feedback', from: 'b', gradient: Number.MAX_VALUE, appeal: [1e308, -1e308, 1e308, 1], at: 1 },
      { kind: 'feedback', from: 'b', gradient: 1, appeal: 'nope', at: 1 },
      { kind: 'feedback', from: 'b', gradient: null, appeal: [0, 0, 0, 0], at: 1 },
      { kind: 'unknown' },
      null,
    ];
    for (const m of bad) await loop('victim', m);
    // Alternating likes and passes at full learning rate between a few users.
    const us = ['p', 'q', 'r', 's'];
    for (let i = 0; i < 300; i++) {
      const from = us[i % 4]!;
      const to = us[(i * 7 + 1) % 4]!;
      if (from !== to) await send(from, to, i % 3 === 0 ? 'pass' : 'like');
    }
    const victim = row('victim')!;
    expect(isSoundRow(victim, 4)).toBe(true);
    // Each refused message counts (the last two carry no known kind and are ignored).
    expect(victim.rejected).toBeGreaterThanOrEqual(8);
    for (const u of us) {
      const r = row(u)!;
      expect(isSoundRow(r, 4)).toBe(true);
      const norm = (v: readonly number[]) => Math.hypot(...v);
      expect(norm(r.taste)).toBeLessThanOrEqual(100 + 1e-9);
      expect(Math.abs(r.appealBias)).toBeLessThanOrEqual(wild.maxBias);
    }
  });

  it('the model is persisted: a new instance with empty storage recovers it and learns on from there', async () => {
    const { tester: t, group, send } = await start();
    for (let i = 0; i < 5; i++) await send('u', `v${i}`, i % 2 === 0 ? 'like' : 'pass');
    const before = t.tableValue<ModelRow>(group, 'u')!;
    const appealBefore = t.tableValue<ModelRow>(group, 'v0')!;
    expect(before.given).toBe(5);
    await t.stop();

    // Another instance, empty store: all it knows comes from the changelog.
    const p2 = new Processor(group, { cluster: t.cluster, storage: memoryStorage() });
    extra.push(p2);
    await p2.start();
    const view = new View({ cluster: t.cluster, table: tables.model.name, codec: tables.model.codec });
    extra.push(view);
    await view.start();
    expect(await view.get('u')).toEqual(before);
    expect(await view.get('v0')).toEqual(appealBefore);

    const producer = t.cluster.producer();
    await t.cluster.ensureTopics([{ name: interactions.name, partitions: 3 }]);
    const { partitionFor } = await import('@showcase/goka');
    await producer.send([
      {
        topic: interactions.name,
        partition: partitionFor(Buffer.from('u'), 3),
        key: Buffer.from('u'),
        value: interactions.codec.encode(interaction('u', 'v0', 'like')),
      },
    ]);
    await expect.poll(async () => (await view.get('u'))?.given, { timeout: 5000 }).toBe(6);
    expect((await view.get('v0'))?.received).toBe(appealBefore.received + 1);
  });
});
