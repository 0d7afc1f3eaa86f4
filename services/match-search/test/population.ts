import { type Gender, genders, type Profile, type UserUpdate } from '@showcase/contracts';
import type { LatLon } from '@showcase/geo';
import { edgeCasePosition, Random } from '@showcase/geo/testing';
import type { World } from '../sim/oracle.ts';
import { applyUserUpdate } from '../src/processors/users.ts';

export function randomProfile(rnd: Random): Profile {
  const seeking = genders.filter(() => rnd.next() < 0.6);
  const lo = rnd.int(18, 60);
  return {
    age: rnd.int(18, 70),
    gender: rnd.pick(genders),
    seeking: (seeking.length ? seeking : [rnd.pick(genders)]) as Gender[],
    ageMin: lo,
    ageMax: rnd.int(lo, 120),
  };
}

/**
 * A seeded population as a list of updates (the order the API would accept them) and the world
 * they produce: positions on cell borders, at the poles, around the antimeridian, at 0/0 and
 * duplicated, some users without profile or location, presence mixed, then moves.
 */
export function population(seed: number, n: number, cellDeg: number, moves: number) {
  const rnd = new Random(seed);
  const updates: UserUpdate[] = [];
  const world: World = { users: new Map(), spamBlocked: new Set(), blockPairs: new Set() };
  const placed: LatLon[] = [];
  let at = 1_700_000_000_000;
  const push = (u: UserUpdate) => {
    updates.push(u);
    world.users.set(u.user, applyUserUpdate(world.users.get(u.user), u.user, u));
  };
  const ids = Array.from({ length: n }, (_, i) => `u${i.toString(36)}`);
  for (const user of ids) {
    if (rnd.next() < 0.97)
      push({ id: `p-${user}`, user, at: ++at, type: 'profile', profile: randomProfile(rnd) });
    if (rnd.next() < 0.97) {
      const location = edgeCasePosition(rnd, cellDeg, placed);
      placed.push(location);
      push({ id: `l-${user}`, user, at: ++at, type: 'location', location });
    }
    if (rnd.next() < 0.5) push({ id: `o-${user}`, user, at: ++at, type: 'presence', online: true });
  }
  for (let i = 0; i < moves; i++) {
    const user = rnd.pick(ids);
    const location = edgeCasePosition(rnd, cellDeg, placed);
    placed.push(location);
    push({ id: `m${i}-${user}`, user, at: ++at, type: 'location', location });
    if (rnd.next() < 0.2)
      push({ id: `q${i}-${user}`, user, at: ++at, type: 'presence', online: rnd.next() < 0.5 });
  }
  return { rnd, ids, updates, world, placed };
}
