import { seeded } from '@showcase/simkit';

/** Seeded Gaussian mixtures for the model tests: known groups, known truth. */
export function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export interface Mixture {
  /** Centres of the groups (dims each). */
  readonly centres: readonly (readonly number[])[];
  /** Standard deviation of every coordinate within a group. */
  readonly sd: number;
}

/** `count` points drawn round-robin-at-random from the groups: [group, vector]. */
export function drawPoints(mixture: Mixture, count: number, seed: number): { group: number; x: number[] }[] {
  const random = seeded(seed);
  const out: { group: number; x: number[] }[] = [];
  for (let i = 0; i < count; i++) {
    const group = Math.floor(random() * mixture.centres.length);
    out.push({ group, x: mixture.centres[group]!.map((c) => c + mixture.sd * gaussian(random)) });
  }
  return out;
}

/** `k` centres in `dims` dimensions, pairwise at least `gap` apart in some coordinates. */
export function centres(k: number, dims: number, gap: number): number[][] {
  return Array.from({ length: k }, (_, g) =>
    Array.from({ length: dims }, (_, i) => (i % k === g ? gap : 0) + (i === dims - 1 ? g * 0.1 : 0)),
  );
}
