import { type Gender, type Location, mutuallyCompatible, type Profile } from '@showcase/contracts';
import { haversineKm } from '@showcase/geo';
import type { Random } from '@showcase/simkit';

/**
 * A population with planted tastes: every user is of one kind and likes users of a few kinds
 * (its preferred kinds), scaled by the other's attractiveness. Mutual interest — each one's
 * kind is among the other's preferred — is the ground truth the rankings are judged by;
 * attractiveness is what a popularity ranking can see, and it says nothing about mutuality.
 */
export interface SimUser {
  readonly id: string;
  readonly kind: number;
  readonly prefers: ReadonlySet<number>;
  readonly attractiveness: number;
  readonly profile: Profile;
  readonly location: Location;
}

export interface PopulationOptions {
  readonly users: number;
  readonly kinds: number;
  /** Preferred kinds per user. */
  readonly preferred: number;
  /** P(like) of a preferred kind and of any other, before attractiveness. */
  readonly likePreferred: number;
  readonly likeOther: number;
  readonly radiusKm: number;
  readonly prefix: string;
}

const CITY = { lat: 52.52, lon: 13.405 };

function jitter(rand: Random, center: Location, km: number): Location {
  // Uniform in a disc: sqrt for the radius; 1° of latitude ≈ 111.2 km.
  const r = km * Math.sqrt(rand.next());
  const angle = rand.next() * 2 * Math.PI;
  const dLat = (r * Math.cos(angle)) / 111.2;
  const dLon = (r * Math.sin(angle)) / (111.2 * Math.cos((center.lat * Math.PI) / 180));
  return { lat: center.lat + dLat, lon: center.lon + dLon };
}

export function buildPopulation(rand: Random, o: PopulationOptions): SimUser[] {
  const users: SimUser[] = [];
  for (let i = 0; i < o.users; i++) {
    const gender: Gender = i % 2 === 0 ? 'female' : 'male';
    const other: Gender = gender === 'female' ? 'male' : 'female';
    const seeking: Gender[] = rand.chance(0.15) ? ['female', 'male'] : [other];
    const age = rand.int(22, 45);
    const kinds = rand.shuffle(Array.from({ length: o.kinds }, (_, k) => k));
    users.push({
      id: `${o.prefix}u${i}`,
      kind: rand.int(0, o.kinds - 1),
      prefers: new Set(kinds.slice(0, o.preferred)),
      attractiveness: 0.4 + 0.6 * rand.next(),
      profile: { age, gender, seeking, ageMin: 18, ageMax: rand.chance(0.1) ? age + 5 : 60 },
      // A few users far away: outside the radius, they must never be recommended.
      location: rand.chance(0.05) ? jitter(rand, { lat: 48.14, lon: 11.58 }, 20) : jitter(rand, CITY, 30),
    });
  }
  return users;
}

export function likeProbability(u: SimUser, v: SimUser, o: PopulationOptions): number {
  return v.attractiveness * (u.prefers.has(v.kind) ? o.likePreferred : o.likeOther);
}

export const mutualInterest = (u: SimUser, v: SimUser) => u.prefers.has(v.kind) && v.prefers.has(u.kind);

/** Who u may be shown: match-search's rules on the simulated data. */
export function candidatesOf(u: SimUser, users: readonly SimUser[], radiusKm: number): SimUser[] {
  return users.filter(
    (v) =>
      v !== u && mutuallyCompatible(u.profile, v.profile) && haversineKm(u.location, v.location) <= radiusKm,
  );
}

export interface Swipe {
  readonly from: string;
  readonly to: string;
  readonly type: 'like' | 'pass';
}

export interface Plan {
  /** Interleaved across users, the order they are sent in. */
  readonly swipes: Swipe[];
  /** Per user: its unseen candidates (held out: never swiped by it). */
  readonly unseen: Map<string, SimUser[]>;
}

/**
 * Every user swipes on a random `1 − holdout` share of its candidates (like with the planted
 * probability, else pass); the rest stays unseen. Swipes are interleaved round-robin, so the
 * learner sees everyone's activity grow together, as in a live stream.
 */
export function planSwipes(
  rand: Random,
  users: readonly SimUser[],
  o: PopulationOptions,
  holdout: number,
): Plan {
  const queues: Swipe[][] = [];
  const unseen = new Map<string, SimUser[]>();
  for (const u of users) {
    const candidates = rand.shuffle(candidatesOf(u, users, o.radiusKm));
    const seen = Math.round(candidates.length * (1 - holdout));
    queues.push(
      candidates.slice(0, seen).map((v) => ({
        from: u.id,
        to: v.id,
        type: rand.chance(likeProbability(u, v, o)) ? 'like' : 'pass',
      })),
    );
    unseen.set(u.id, candidates.slice(seen));
  }
  const swipes: Swipe[] = [];
  for (let round = 0; queues.some((q) => round < q.length); round++) {
    for (const q of rand.shuffle([...queues])) if (round < q.length) swipes.push(q[round]!);
  }
  return { swipes, unseen };
}
