import type { InteractionType } from '@showcase/contracts';
import type { LatLon } from '@showcase/geo';

/**
 * Behavioural archetypes of the simulated population. Each user draws its own mix around its
 * archetype's (log-normal jitter per kind), so groups overlap, but stay distinct on average.
 */
export type Action = 'message' | 'like' | 'pass' | 'visit' | 'block' | 'location' | 'presence';

export interface Archetype {
  readonly name: string;
  /** Relative frequency of each own action. */
  readonly mix: Readonly<Record<Action, number>>;
  /** Chance that a message answers someone who wrote first (if anyone did). */
  readonly replyChance: number;
  /** Typical distance of a move, km. */
  readonly moveKm: number;
}

const mix = (m: Partial<Record<Action, number>>): Record<Action, number> => ({
  message: 0,
  like: 0,
  pass: 0,
  visit: 0,
  block: 0,
  location: 0,
  presence: 0,
  ...m,
});

export const ARCHETYPES: readonly Archetype[] = [
  {
    name: 'chatter',
    mix: mix({ message: 0.5, like: 0.1, visit: 0.15, presence: 0.15, location: 0.05, pass: 0.05 }),
    replyChance: 0.8,
    moveKm: 3,
  },
  {
    name: 'swiper',
    mix: mix({ like: 0.5, pass: 0.3, visit: 0.05, message: 0.05, presence: 0.08, location: 0.02 }),
    replyChance: 0.2,
    moveKm: 3,
  },
  {
    name: 'browser',
    mix: mix({ visit: 0.55, presence: 0.3, pass: 0.08, like: 0.02, location: 0.05 }),
    replyChance: 0.05,
    moveKm: 2,
  },
  {
    name: 'traveller',
    mix: mix({ location: 0.4, message: 0.15, like: 0.15, visit: 0.15, presence: 0.15 }),
    replyChance: 0.4,
    moveKm: 600,
  },
  {
    name: 'picky',
    mix: mix({ pass: 0.55, block: 0.08, visit: 0.22, like: 0.05, message: 0.05, presence: 0.05 }),
    replyChance: 0.3,
    moveKm: 3,
  },
];

export interface SimUser {
  readonly id: string;
  archetype: number;
  weights: Record<Action, number>;
  home: LatLon;
  location: LatLon;
  online: boolean;
  /** Who wrote to this user and got no answer yet. */
  pending: string[];
  ownEvents: number;
}

export function personalMix(
  archetype: Archetype,
  random: () => number,
  jitter = 0.35,
): Record<Action, number> {
  const out = mix({});
  for (const [action, p] of Object.entries(archetype.mix) as [Action, number][]) {
    const g = Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
    out[action] = p * Math.exp(jitter * g);
  }
  return out;
}

export function createPopulation(
  size: number,
  archetypes: number,
  random: () => number,
  prefix: string,
): SimUser[] {
  return Array.from({ length: size }, (_, i) => {
    const archetype = i % archetypes;
    const home = { lat: 35 + random() * 20, lon: -5 + random() * 30 };
    return {
      id: `${prefix}${i}`,
      archetype,
      weights: personalMix(ARCHETYPES[archetype]!, random),
      home,
      location: home,
      online: false,
      pending: [],
      ownEvents: 0,
    };
  });
}

export function pickAction(weights: Record<Action, number>, random: () => number): Action {
  const entries = Object.entries(weights) as [Action, number][];
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let r = random() * total;
  for (const [action, w] of entries) {
    r -= w;
    if (r <= 0) return action;
  }
  return entries.at(-1)![0];
}

/** A point `km` away from `from` in a random direction (flat-earth step; fine for a simulator). */
export function moveBy(from: LatLon, km: number, random: () => number): LatLon {
  const angle = random() * 2 * Math.PI;
  const lat = Math.max(-85, Math.min(85, from.lat + (km / 111) * Math.cos(angle)));
  const lonStep = (km / (111 * Math.max(0.1, Math.cos((lat * Math.PI) / 180)))) * Math.sin(angle);
  let lon = from.lon + lonStep;
  while (lon > 180) lon -= 360;
  while (lon < -180) lon += 360;
  return { lat, lon };
}

export type InteractionAction = Extract<InteractionType, 'like' | 'pass' | 'visit' | 'block'>;
