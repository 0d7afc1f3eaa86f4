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
  /**
   * `random` (default): each user prefers `preferred` random kinds, kinds drawn at random.
   * `paired`: kinds come in pairs (0↔1, 2↔3, …) and are equally many; a user prefers its partner
   * kind with probability `partnerShare`, else its own kind (one preferred kind each), so every
   * kind is preferred by as many users as any other (equally popular).
   */
  readonly tastes?: 'random' | 'paired';
  readonly partnerShare?: number;
  /** Share of the population far away (outside the radius); default 0.05. */
  readonly farShare?: number;
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
    const paired = o.tastes === 'paired';
    // Paired: kinds by turns within each gender, so each kind has as many women as men.
    const kind = paired ? Math.floor(i / 2) % o.kinds : rand.int(0, o.kinds - 1);
    const partner = kind ^ 1;
    const prefers = paired
      ? new Set([rand.chance(o.partnerShare ?? 0.8) && partner < o.kinds ? partner : kind])
      : new Set(kinds.slice(0, o.preferred));
    users.push({
      id: `${o.prefix}u${i}`,
      kind,
      prefers,
      attractiveness: 0.4 + 0.6 * rand.next(),
      profile: { age, gender, seeking, ageMin: 18, ageMax: rand.chance(0.1) ? age + 5 : 60 },
      // A few users far away: outside the radius, they must never be recommended.
      location: rand.chance(o.farShare ?? 0.05)
        ? jitter(rand, { lat: 48.14, lon: 11.58 }, 20)
        : jitter(rand, CITY, 30),
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
  /** The swiper's n-th swipe (0-based): swipes are sent round by round. */
  readonly round: number;
}

export interface Plan {
  /** Interleaved across users, the order they are sent in (by round). */
  readonly swipes: Swipe[];
  /** Per user: its unseen candidates (held out: never swiped by it). */
  readonly unseen: Map<string, SimUser[]>;
  /** Users that swipe at most `coldSwipes` times (cold start); others swipe as the holdout allows. */
  readonly cold: ReadonlySet<string>;
}

export interface SwipeLimits {
  /** At most this many swipes per user (default: no limit but the holdout). */
  readonly maxSwipes?: number;
  /** Share of users that are cold: they swipe at most `coldSwipes` times (default 0). */
  readonly coldShare?: number;
  readonly coldSwipes?: number;
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
  limits: SwipeLimits = {},
): Plan {
  const queues: Swipe[][] = [];
  const unseen = new Map<string, SimUser[]>();
  const cold = new Set<string>();
  for (const u of users) {
    const candidates = rand.shuffle(candidatesOf(u, users, o.radiusKm));
    let seen = Math.min(Math.round(candidates.length * (1 - holdout)), limits.maxSwipes ?? Infinity);
    if (limits.coldShare && rand.chance(limits.coldShare)) {
      cold.add(u.id);
      seen = Math.min(seen, limits.coldSwipes ?? 0);
    }
    queues.push(
      candidates.slice(0, seen).map((v, round) => ({
        from: u.id,
        to: v.id,
        type: rand.chance(likeProbability(u, v, o)) ? 'like' : 'pass',
        round,
      })),
    );
    unseen.set(u.id, candidates.slice(seen));
  }
  const swipes: Swipe[] = [];
  for (let round = 0; queues.some((q) => round < q.length); round++) {
    for (const q of rand.shuffle([...queues])) if (round < q.length) swipes.push(q[round]!);
  }
  return { swipes, unseen, cold };
}
