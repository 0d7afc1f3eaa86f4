import { describe, expect, it } from 'vitest';
import {
  edgePairTable,
  hasEdge,
  interactions,
  matchEvents,
  messagesSent,
  mutuallyCompatible,
  type PairState,
  type Profile,
  pairKey,
  pairRange,
  parsePairKey,
  segmentChanges,
  spamBlockEvents,
  spamBlockTable,
  userTable,
  userUpdates,
} from '../src/index.ts';

describe('pair keys', () => {
  it('round-trip and sort a user’s pairs inside its range only', () => {
    expect(parsePairKey(pairKey('a.b@c', 'x-y_z'))).toEqual({ user: 'a.b@c', other: 'x-y_z' });
    expect(() => parsePairKey('nopair')).toThrow(/not a pair key/);
    const keys = ['a|b', 'a|z', 'a.|c', 'a-|c', 'ab|c', 'a|A', 'a|~', 'b|a', 'a'].sort();
    const range = pairRange('a');
    const inside = keys.filter((k) => (range.gte === undefined || k >= range.gte) && k < range.lt);
    expect(inside).toEqual(['a|A', 'a|b', 'a|z', 'a|~']);
    const after = pairRange('a', 'b');
    expect(keys.filter((k) => after.gt !== undefined && k > after.gt && k < after.lt)).toEqual([
      'a|z',
      'a|~',
    ]);
  });

  it('hasEdge reads one direction and type', () => {
    const pair: PairState = {
      user: 'a',
      other: 'b',
      out: [{ user: 'b', type: 'like', count: 1, first: 't', last: 't' }],
      in: [{ user: 'b', type: 'block', count: 1, first: 't', last: 't' }],
    };
    expect(hasEdge(pair, 'out', 'like')).toBe(true);
    expect(hasEdge(pair, 'in', 'like')).toBe(false);
    expect(hasEdge(pair, 'in', 'block')).toBe(true);
    expect(hasEdge(undefined, 'out', 'block')).toBe(false);
  });
});

describe('mutuallyCompatible', () => {
  const p = (
    age: number,
    gender: Profile['gender'],
    seeking: Profile['gender'][],
    ageMin = 18,
    ageMax = 120,
  ) => ({
    age,
    gender,
    seeking,
    ageMin,
    ageMax,
  });
  it('needs both genders sought and both ages in range, symmetrically', () => {
    const cases: [Profile, Profile, boolean][] = [
      [p(30, 'female', ['male']), p(32, 'male', ['female']), true],
      [p(30, 'female', ['male']), p(32, 'male', ['male']), false],
      [p(30, 'female', ['male'], 18, 31), p(32, 'male', ['female']), false],
      [p(30, 'female', ['male']), p(32, 'male', ['female'], 31, 40), false],
      [p(30, 'diverse', ['diverse', 'female']), p(30, 'diverse', ['diverse']), true],
    ];
    for (const [a, b, expected] of cases) {
      expect(mutuallyCompatible(a, b)).toBe(expected);
      expect(mutuallyCompatible(b, a)).toBe(expected);
    }
  });
});

describe('contract names', () => {
  it('are unique across services and tables follow `<group>-table`', () => {
    const all = [
      messagesSent,
      spamBlockEvents,
      spamBlockTable,
      interactions,
      edgePairTable,
      matchEvents,
      userUpdates,
      userTable,
      segmentChanges,
    ];
    expect(new Set(all.map((t) => t.name)).size).toBe(all.length);
    for (const t of all.filter((c) => c.kind === 'table')) expect(t.name).toMatch(/-table$/);
  });
});
