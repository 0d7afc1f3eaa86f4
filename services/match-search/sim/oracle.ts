import { mutuallyCompatible, pairKey, type UserState } from '@showcase/contracts';
import { haversineKm } from '@showcase/geo';
import type { NearbyQuery, NearbyUser } from '../src/search/user-directory.ts';

/** What the platform knows, kept by the test itself (never read back from the service). */
export interface World {
  readonly users: Map<string, UserState>;
  readonly spamBlocked: Set<string>;
  /** pairKey(a, b) for every ordered pair with a block edge either way (both orders present). */
  readonly blockPairs: Set<string>;
}

export const emptyWorld = (): World => ({ users: new Map(), spamBlocked: new Set(), blockPairs: new Set() });

/**
 * docs/contracts.md's definition, read literally, as a scan over every user: the oracle of the
 * property tests. undefined = the caller lacks a profile or a location (409).
 */
export function bruteForceNearby(world: World, caller: string, q: NearbyQuery): NearbyUser[] | undefined {
  const me = world.users.get(caller);
  if (!me?.profile || !me.location) return undefined;
  const out: NearbyUser[] = [];
  for (const [id, c] of world.users) {
    if (id === caller || !c.profile || !c.location) continue;
    const distanceKm = haversineKm(me.location, c.location);
    if (distanceKm > q.radiusKm) continue;
    if (!mutuallyCompatible(me.profile, c.profile)) continue;
    if (world.spamBlocked.has(id) || world.blockPairs.has(pairKey(caller, id))) continue;
    if (q.onlineOnly && !c.online) continue;
    out.push({ user: id, distanceKm, age: c.profile.age, gender: c.profile.gender, online: c.online });
  }
  out.sort((a, b) => a.distanceKm - b.distanceKm || (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
  return out.slice(0, q.limit);
}
