import { genders, mutuallyCompatible, type Profile } from '@showcase/contracts';
import { Random } from '@showcase/geo/testing';
import { describe, expect, it } from 'vitest';
import { compatibleTags, ONLINE, profileTag, UNPACKED } from '../src/search/profile-tag.ts';

function randomProfile(r: Random): Profile {
  const seeking = genders.filter(() => r.next() < 0.5);
  const age = r.int(18, 120);
  return {
    age,
    gender: r.pick(genders),
    seeking: seeking.length ? seeking : [r.pick(genders)],
    ageMin: r.int(18, 120),
    ageMax: r.int(18, 120),
  };
}

describe('profile tags', () => {
  it('agree with mutuallyCompatible on 100,000 seeded random pairs (ages 18–120, every seeking set)', () => {
    const r = new Random(12);
    let compatible = 0;
    let unpacked = 0;
    const wrong: { a: Profile; b: Profile }[] = [];
    for (let i = 0; i < 100_000; i++) {
      const a = randomProfile(r);
      const b = randomProfile(r);
      const ta = profileTag(a, r.next() < 0.5);
      const tb = profileTag(b, r.next() < 0.5);
      if ((ta | tb) & UNPACKED) unpacked++;
      const want = mutuallyCompatible(a, b);
      if (want) compatible++;
      if (compatibleTags(ta, tb) !== want && wrong.length < 5) wrong.push({ a, b });
    }
    expect(wrong).toEqual([]);
    expect(unpacked).toBe(0);
    expect(compatible).toBeGreaterThan(500);
  }, 60_000);

  it('carry presence, and mark profiles they cannot hold as unpacked', () => {
    const p: Profile = { age: 30, gender: 'male', seeking: ['female'], ageMin: 25, ageMax: 35 };
    expect(profileTag(p, true) & ONLINE).toBe(ONLINE);
    expect(profileTag(p, false) & ONLINE).toBe(0);
    expect(profileTag({ ...p, ageMax: 200 }, false) & UNPACKED).toBe(UNPACKED);
    expect(profileTag({ ...p, age: 30.5 }, true) & (UNPACKED | ONLINE)).toBe(UNPACKED | ONLINE);
  });
});
