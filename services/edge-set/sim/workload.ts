import { type Interaction, type InteractionType, interactionTypes } from '@showcase/contracts';
import { pick, seeded } from '@showcase/simkit';

export interface WorkloadOptions {
  readonly seed: number;
  readonly actors: number;
  readonly events: number;
  /** Share of records that repeat one of the last 20 records (same event id). */
  readonly duplicateRate?: number;
  /** Prefix of user and event ids (a run's own users on a shared broker). */
  readonly prefix?: string;
  /** First event time, ms. */
  readonly start?: number;
}

/** Likes dominate so that mutual likes (and their end) happen often in a small population. */
const weights: [InteractionType, number][] = [
  ['like', 5],
  ['pass', 2],
  ['visit', 2],
  ['message', 2],
  ['block', 1],
  ['unlike', 2],
  ['unblock', 1],
];
const total = weights.reduce((s, [, w]) => s + w, 0);

function weightedType(random: () => number): InteractionType {
  let r = random() * total;
  for (const [type, w] of weights) {
    r -= w;
    if (r < 0) return type;
  }
  return interactionTypes[0];
}

/**
 * A seeded random interaction stream: `actors` users, every type, each actor mostly dealing
 * with a few peers (so pairs see sequences, not single events), times that advance by 0–3 ms
 * (ties happen, as for simultaneous likes), and duplicates of recent records (a producer retry)
 * at `duplicateRate`. Records, in the order they are to be written; duplicates share the id.
 */
export function randomInteractions(options: WorkloadOptions): Interaction[] {
  const random = seeded(options.seed);
  const prefix = options.prefix ?? '';
  const users = Array.from({ length: options.actors }, (_, i) => `${prefix}u${String(i).padStart(3, '0')}`);
  const records: Interaction[] = [];
  let at = options.start ?? 1_700_000_000_000;
  let next = 0;
  while (records.length < options.events) {
    if (records.length > 0 && random() < (options.duplicateRate ?? 0)) {
      records.push(records[Math.max(0, records.length - 1 - Math.floor(random() * 20))]!);
      continue;
    }
    const from = pick(random, users);
    const fromIndex = users.indexOf(from);
    // Peers: a neighbourhood of 6 around the actor, so pairs repeat and both sides act.
    const offset = 1 + Math.floor(random() * 6);
    const to = users[(fromIndex + (random() < 0.5 ? offset : users.length - offset)) % users.length]!;
    at += Math.floor(random() * 4);
    next += 1;
    records.push({ id: `${prefix}w${options.seed}-${next}`, from, to, type: weightedType(random), at });
  }
  return records;
}
