import { type Interaction, type InteractionType, interactions } from '@showcase/contracts';
import { createTester, type Tester } from '@showcase/goka';
import { afterEach, describe, expect, it } from 'vitest';
import { Affinity, defaultAffinityConfig } from '../src/affinity.ts';
import { ScanIndex } from '../src/candidate-index.ts';
import { defaultLearnerConfig, emptyRow, type ModelRow } from '../src/model.ts';
import { decide } from '../src/neighbours.ts';
import { learnerGroup } from '../src/processors/learner.ts';
import { Ranker, type Searchable } from '../src/ranker.ts';
import { defaultSignalWeights } from '../src/signals.ts';
import { BERLIN } from './support.ts';

let tester: Tester | undefined;
afterEach(async () => {
  await tester?.stop();
  tester = undefined;
});

let seq = 0;
const interaction = (from: string, to: string, type: InteractionType): Interaction => ({
  id: `n${++seq}`,
  from,
  to,
  type,
  at: 1_700_000_000_000 + seq,
});

describe('neighbour lists', () => {
  it('follow edge-set: a like replaces a pass and vice versa, unlike removes, block is a pass; both sides through the loop', async () => {
    tester = createTester({ partitions: 3 });
    const group = learnerGroup({ ...defaultLearnerConfig, factors: 4 }, defaultSignalWeights);
    await tester.processor(group);
    const t = tester;
    const send = (from: string, to: string, type: InteractionType) =>
      t.consume(interactions.name, from, interaction(from, to, type));
    const row = (u: string) => t.tableValue<ModelRow>(group, u);

    await send('u', 'a', 'like');
    await send('u', 'b', 'pass');
    await send('u', 'c', 'like');
    await send('u', 'd', 'visit');
    expect(row('u')).toMatchObject({ liked: ['a', 'c'], passed: ['b'] });
    expect(row('a')).toMatchObject({ likedBy: ['u'], passedBy: [] });
    expect(row('b')).toMatchObject({ likedBy: [], passedBy: ['u'] });
    expect(row('d')?.likedBy).toBeUndefined();

    await send('u', 'a', 'pass');
    await send('u', 'b', 'like');
    await send('u', 'c', 'unlike');
    await send('u', 'e', 'block');
    expect(row('u')).toMatchObject({ liked: ['b'], passed: ['a', 'e'] });
    expect(row('a')).toMatchObject({ likedBy: [], passedBy: ['u'] });
    expect(row('c')).toMatchObject({ likedBy: [] });
    expect(row('e')).toMatchObject({ passedBy: ['u'] });
  });

  it('are bounded: the oldest ids leave beyond the cap; a repeated decision moves to the end', () => {
    let n = decide({}, 'out', 'a', 'like', 3);
    for (const x of ['b', 'c', 'a', 'd']) n = decide(n, 'out', x, 'like', 3);
    expect(n.liked).toEqual(['c', 'a', 'd']);
    expect(decide(n, 'out', 'x', 'like', 0)).toBe(n);
  });
});

const row = (user: string, lists: Partial<ModelRow> = {}): ModelRow => ({
  ...emptyRow(user, defaultLearnerConfig),
  received: 100,
  ...lists,
});

describe('neighbourhood signals', () => {
  // me liked p1 and p2; l1, l2 liked them too (taste like me's). x1, x2 liked me.
  const base = [
    row('me', { liked: ['p1', 'p2'], likedBy: ['x1', 'x2'] }),
    row('p1', { likedBy: ['me', 'l1', 'l2'] }),
    row('p2', { likedBy: ['me', 'l1', 'l2'] }),
    row('l1', { liked: ['p1', 'p2'] }),
    row('l2', { liked: ['p1', 'p2'] }),
    // q1, q2 appeal to the same people as me: x1 and x2 liked them too.
    row('x1', { liked: ['me', 'q1', 'q2'] }),
    row('x2', { liked: ['me', 'q1', 'q2'] }),
  ];
  const candidates = [
    // Both liked by l1 and l2 (people with me's taste): forward alike.
    row('mutual', { likedBy: ['l1', 'l2'], liked: ['q1', 'q2'] }), // likes people like me
    row('oneway', { likedBy: ['l1', 'l2'], passed: ['q1', 'q2'] }), // passes people like me
    row('stranger', { passedBy: ['l1', 'l2'] }),
  ];
  const rows = new Map([...base, ...candidates].map((r) => [r.user, r]));

  it('forward: how users with the caller’s taste decided; reverse: how the candidate decided on people like the caller', () => {
    const a = new Affinity(rows.get('me')!, (u) => rows.get(u), defaultAffinityConfig);
    expect(a.forward(rows.get('mutual'))).toBeCloseTo(a.forward(rows.get('oneway')));
    expect(a.forward(rows.get('mutual'))).toBeGreaterThan(a.forward(rows.get('stranger')));
    expect(a.reverse(rows.get('mutual'))).toBeGreaterThan(defaultAffinityConfig.prior);
    expect(a.reverse(rows.get('oneway'))).toBeLessThan(defaultAffinityConfig.prior);
    // Without evidence: the prior.
    expect(a.forward(undefined)).toBe(defaultAffinityConfig.prior);
    expect(a.reverse(rows.get('stranger'))).toBe(defaultAffinityConfig.prior);
  });

  it('the reciprocal ranking puts the mutual candidate first, the one-sided one cannot tell them apart', async () => {
    const index = new ScanIndex();
    const people = new Map<string, Searchable>();
    for (const u of ['me', ...candidates.map((c) => c.user)]) {
      people.set(u, {
        profile: { age: 30, gender: 'diverse', seeking: ['diverse'], ageMin: 18, ageMax: 99 },
        location: BERLIN,
      });
      index.set(u, BERLIN);
    }
    const ready = async () => {};
    const ranker = new Ranker(
      {
        users: { get: (k) => people.get(k), ready },
        model: { get: (k) => rows.get(k), ready },
        spamBlocked: { get: () => undefined, ready },
        exclusions: async () => new Set<string>(),
        index,
      },
      defaultLearnerConfig,
      { exploreShare: 0, exploreMinReceived: 0, neighbourWeight: 1 },
    );
    const reciprocal = await ranker.rank('me', { k: 3, radiusKm: 10 });
    // oneway would like me's kind of users back less than the prior: below mutual (and stranger).
    expect(reciprocal.ok && reciprocal.items.map((i) => i.user)[0]).toBe('mutual');
    const oneSided = await ranker.rank('me', { k: 3, radiusKm: 10, ranking: 'one-sided' });
    if (!oneSided.ok) throw new Error('expected a list');
    expect(oneSided.items[0]!.score).toBeCloseTo(oneSided.items[1]!.score);
    expect(oneSided.items[2]!.user).toBe('stranger');
  });
});

describe('refinement over the candidates', () => {
  // me liked p; l liked p too (a taste neighbour by the walk). w shares no like with me, but w
  // liked c1, the candidate me's first estimate ranks highest; z liked only c3, ranked lowest.
  const rows = new Map(
    [
      row('me', { liked: ['p'] }),
      row('p', { likedBy: ['me', 'l'] }),
      row('l', { liked: ['p', 'c1'] }),
      row('w', { liked: ['c1', 'c2'] }),
      row('z', { liked: ['c3', 'c4'] }),
      row('c1', { likedBy: ['l', 'w'] }),
      row('c2', { likedBy: ['w'] }),
      row('c3', { likedBy: ['z'], passedBy: ['l'] }),
      row('c4', { likedBy: ['z'] }),
    ].map((r) => [r.user, r]),
  );
  const candidates = ['c1', 'c2', 'c3', 'c4'].map((u) => rows.get(u)!);

  it('makes users whose decisions agree with the first estimates taste neighbours; the others stay out', () => {
    const a = new Affinity(rows.get('me')!, (u) => rows.get(u), defaultAffinityConfig);
    const prior = defaultAffinityConfig.prior;
    expect(a.forward(rows.get('c2'))).toBe(prior);
    a.refine(candidates);
    expect(a.forward(rows.get('c2'))).toBeGreaterThan(prior);
    expect(a.forward(rows.get('c4'))).toBe(prior);
    expect(a.forward(rows.get('c1'))).toBeGreaterThan(a.forward(rows.get('c2')));
  });

  it('is off at refine 0', () => {
    const a = new Affinity(rows.get('me')!, (u) => rows.get(u), { ...defaultAffinityConfig, refine: 0 });
    a.refine(candidates);
    expect(a.forward(rows.get('c2'))).toBe(defaultAffinityConfig.prior);
  });
});
