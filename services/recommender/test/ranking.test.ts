import { type EdgeType, type Location, mutuallyCompatible, type Profile, pairKey } from '@showcase/contracts';
import { haversineKm } from '@showcase/geo';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScanIndex } from '../src/candidate-index.ts';
import { excludedByPair } from '../src/exclusions.ts';
import { defaultLearnerConfig, emptyRow, type LearnerConfig, type ModelRow } from '../src/model.ts';
import { harmonicMean, Ranker, type Rows, type Searchable } from '../src/ranker.ts';
import { better, type Scored, TopK } from '../src/top-k.ts';
import { BERLIN, LEIPZIG, profile, type Running, startRecommender } from './support.ts';

// Service tests start a whole service; a loaded machine needs more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

let running: Running | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const users = (body: { items: Scored[] }) => body.items.map((i) => i.user).sort();

/** Waits until the service's copies hold what the test wrote (users, pairs, spam blocks). */
async function settled(r: Running, expected: { users: string[]; pairs: string[]; spam: string[] }) {
  await vi.waitFor(async () => {
    for (const u of expected.users) expect(r.mirrors.users.get(u)).toBeDefined();
    for (const k of expected.pairs) expect(await r.pairs.get(k)).toBeDefined();
    for (const u of expected.spam) expect(await r.mirrors.spamBlocked.view.get(u)).toBeDefined();
  });
}

describe('candidates and exclusions (service on the memory cluster, fed through the contract topics)', () => {
  it('never shows the caller, liked, passed, blocked, blocked-by, matched, spam-blocked, far or incompatible users; a cold caller still gets the rest', async () => {
    const r = await startRecommender();
    running = r;
    const me = profile({ gender: 'female', seeking: ['male'] });
    const man = profile({ gender: 'male', seeking: ['female'] });
    await r.setUser('me', me, BERLIN);
    const shown = ['visited', 'messaged', 'fresh', 'liker', 'unspammed', 'constructor', '__proto__'];
    const hidden = ['liked', 'passed', 'blocked', 'blocker', 'matched', 'spammer'];
    for (const u of [...shown, ...hidden]) await r.setUser(u, man, { lat: 52.5, lon: 13.3 });
    await r.setUser('far', man, LEIPZIG);
    await r.setUser('woman', profile({ gender: 'female', seeking: ['female', 'male'] }), BERLIN);
    await r.setUser('too-old', profile({ gender: 'male', seeking: ['female'], age: 70 }), BERLIN);
    await r.setUser('wants-younger', profile({ gender: 'male', seeking: ['female'], ageMax: 25 }), BERLIN);
    await r.setUser('nowhere', man, undefined);
    const pairs: [string, EdgeType[], EdgeType[], boolean][] = [
      ['liked', ['like'], [], false],
      ['passed', ['pass'], [], false],
      ['blocked', ['block'], [], false],
      ['blocker', [], ['block'], false],
      ['matched', ['like'], ['like'], true],
      ['visited', ['visit'], [], false],
      ['messaged', ['message', 'visit'], ['message'], false],
      ['liker', [], ['like', 'visit'], false],
    ];
    for (const [other, out, inbound, match] of pairs) await r.pair('me', other, out, inbound, match);
    await r.spamBlock('spammer', true);
    await r.spamBlock('unspammed', false);
    await settled(r, {
      users: ['me', ...shown, ...hidden, 'far', 'woman', 'too-old', 'wants-younger'],
      pairs: pairs.map(([other]) => pairKey('me', other)),
      spam: ['spammer', 'unspammed'],
    });
    const res = await r.recommend('me', 'k=100&radiusKm=100');
    expect(res.statusCode).toBe(200);
    expect(users(res.json())).toEqual([...shown].sort());
    // A wider radius brings Leipzig in.
    expect(haversineKm(BERLIN, LEIPZIG)).toBeGreaterThan(100);
    expect(haversineKm(BERLIN, LEIPZIG)).toBeLessThan(200);
    expect(users((await r.recommend('me', 'k=100&radiusKm=200')).json())).toEqual([...shown, 'far'].sort());
  });

  it('a like, a block or a spam block removes the user from the next answer', async () => {
    const r = await startRecommender();
    running = r;
    await r.setUser('me', profile(), BERLIN);
    for (const u of ['a', 'b', 'c', 'd'])
      await r.setUser(u, profile({ gender: 'male', seeking: ['female'] }), BERLIN);
    await vi.waitFor(async () =>
      expect(users((await r.recommend('me')).json())).toEqual(['a', 'b', 'c', 'd']),
    );
    await r.interact('me', 'a', 'like');
    await r.pair('me', 'a', ['like'], []);
    await r.pair('me', 'b', [], ['block']);
    await r.spamBlock('c', true);
    await vi.waitFor(async () => expect(users((await r.recommend('me')).json())).toEqual(['d']));
  });

  it('answers exactly the candidates a brute-force scan of the same data allows (seeded, random data)', async () => {
    const r = await startRecommender();
    running = r;
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const genders = ['female', 'male', 'diverse'] as const;
    const people = new Map<string, { profile: Profile; location: Location }>();
    for (let i = 0; i < 40; i++) {
      const age = 18 + Math.floor(rand() * 40);
      const p: Profile = {
        age,
        gender: genders[Math.floor(rand() * 3)]!,
        seeking: genders.filter(() => rand() < 0.6).concat(rand() < 0.5 ? ['male'] : ['female']),
        ageMin: 18 + Math.floor(rand() * 10),
        ageMax: 40 + Math.floor(rand() * 40),
      };
      const location = { lat: 52 + rand() * 2, lon: 13 + rand() * 3 };
      people.set(`p${i}`, { profile: p, location });
      await r.setUser(`p${i}`, p, location);
    }
    const edges = new Map<string, [EdgeType[], EdgeType[], boolean]>();
    const kinds: EdgeType[] = ['like', 'pass', 'visit', 'message', 'block'];
    for (let i = 0; i < 80; i++) {
      const a = `p${Math.floor(rand() * 40)}`;
      const b = `p${Math.floor(rand() * 40)}`;
      if (a === b) continue;
      const out = kinds.filter(() => rand() < 0.25);
      const inbound = kinds.filter(() => rand() < 0.2);
      const match = out.includes('like') && inbound.includes('like') && rand() < 0.7;
      edges.set(pairKey(a, b), [out, inbound, match]);
      await r.pair(a, b, out, inbound, match);
    }
    const spam = new Set(['p3', 'p17', 'p29']);
    for (const s of spam) await r.spamBlock(s, true);
    await settled(r, { users: [...people.keys()], pairs: [...edges.keys()], spam: [...spam] });
    for (const radiusKm of [20, 80, 250]) {
      for (const [me, mine] of people) {
        const expected = [...people]
          .filter(([other, theirs]) => {
            if (other === me || spam.has(other)) return false;
            if (!mutuallyCompatible(mine.profile, theirs.profile)) return false;
            if (haversineKm(mine.location, theirs.location) > radiusKm) return false;
            const e = edges.get(pairKey(me, other));
            const pair = e && { user: me, other, out: [], in: [], ...(e[2] ? { matchSince: 'x' } : {}) };
            if (!pair) return true;
            const edge = (type: EdgeType) => ({ user: other, type, count: 1, first: '', last: '' });
            return !excludedByPair({ ...pair, out: e[0].map(edge), in: e[1].map(edge) });
          })
          .map(([other]) => other)
          .sort();
        const res = await r.recommend(me, `k=100&radiusKm=${radiusKm}`);
        expect(users(res.json()), `${me} within ${radiusKm} km`).toEqual(expected);
      }
    }
  });
});

const cfg: LearnerConfig = { ...defaultLearnerConfig, factors: 2, priorLogit: 0 };
const row = (user: string, taste: number[], appeal: number[], received = 100): ModelRow => ({
  ...emptyRow(user, cfg),
  taste,
  appeal,
  received,
});
const rowsOf = <M>(map: Map<string, M>): Rows<M> => ({ get: (k) => map.get(k), ready: async () => {} });

function ranker(model: ModelRow[], others: string[], exploreShare = 0) {
  const index = new ScanIndex();
  const people = new Map<string, Searchable>();
  for (const u of ['me', ...others]) {
    people.set(u, {
      profile: { age: 30, gender: 'diverse', seeking: ['diverse'], ageMin: 18, ageMax: 99 },
      location: BERLIN,
    });
    index.set(u, BERLIN);
  }
  return new Ranker(
    {
      users: rowsOf(people),
      model: rowsOf(new Map(model.map((m) => [m.user, m]))),
      spamBlocked: rowsOf(new Map<string, true>()),
      exclusions: async () => new Set<string>(),
      index,
    },
    cfg,
    { exploreShare, exploreMinReceived: 5 },
  );
}

describe('ranker', () => {
  it('is reciprocal: a candidate who would not like the caller back ranks below a mutual one', async () => {
    // me likes appeal along x and is appealing along y.
    const me = row('me', [3, 0], [0, 3]);
    const oneWay = row('one-way', [0, -3], [3, 0]); // me likes them a lot; they dislike me
    const mutual = row('mutual', [0, 2], [2, 0]); // me likes them; they like me
    const r = ranker([me, oneWay, mutual], ['one-way', 'mutual']);
    const reciprocal = await r.rank('me', { k: 2, radiusKm: 10 });
    const oneSided = await r.rank('me', { k: 2, radiusKm: 10, ranking: 'one-sided' });
    expect(reciprocal.ok && reciprocal.items.map((i) => i.user)).toEqual(['mutual', 'one-way']);
    expect(oneSided.ok && oneSided.items.map((i) => i.user)).toEqual(['one-way', 'mutual']);
    expect(harmonicMean(0.9, 0.1)).toBeCloseTo(0.18);
    expect(harmonicMean(0, 0)).toBe(0);
  });

  it('explores: floor(k × share) slots go to the best new candidates, the answer stays best first', async () => {
    const others = Array.from({ length: 12 }, (_, i) => `c${i}`);
    const model = [
      row('me', [1, 1], [1, 1]),
      ...others.map((u, i) => row(u, [1, 1], [1 - i * 0.05, 1], 50)),
      row('new', [0, 0], [-1, -1], 0),
    ];
    const r = ranker(model, [...others, 'new'], 0.1);
    const res = await r.rank('me', { k: 10, radiusKm: 10 });
    if (!res.ok) throw new Error('expected a list');
    expect(res.items).toHaveLength(10);
    expect(res.items.map((i) => i.user)).toContain('new');
    expect(res.items.map((i) => i.user)).toEqual(others.slice(0, 9).concat('new'));
    for (let i = 1; i < res.items.length; i++)
      expect(res.items[i - 1]!.score).toBeGreaterThanOrEqual(res.items[i]!.score);
    // k < 10: no slot; a share of 0: no exploration.
    const small = await r.rank('me', { k: 5, radiusKm: 10 });
    expect(small.ok && small.items.map((i) => i.user)).not.toContain('new');
    const none = await ranker(model, [...others, 'new'], 0).rank('me', { k: 10, radiusKm: 10 });
    expect(none.ok && none.items.map((i) => i.user)).not.toContain('new');
  });

  it('answers incomplete-profile for a caller without profile or location', async () => {
    const r = ranker([], ['a']);
    expect(await r.rank('nobody', { k: 10, radiusKm: 10 })).toEqual({
      ok: false,
      reason: 'incomplete-profile',
    });
  });

  it('TopK keeps exactly what a full sort would (seeded property test)', () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    for (let round = 0; round < 200; round++) {
      const n = Math.floor(rand() * 300);
      const k = 1 + Math.floor(rand() * 20);
      const items = Array.from({ length: n }, (_, i) => ({
        user: `u${i}`,
        score: Math.round(rand() * 20) / 20,
      }));
      const top = new TopK(k);
      for (const item of items) top.offer(item);
      const oracle = [...items].sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0)).slice(0, k);
      expect(top.toArray()).toEqual(oracle);
    }
  });
});
