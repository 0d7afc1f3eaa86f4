import { hasEdge, type PairState, pairRange, parsePairKey } from '@showcase/contracts';
import type { View } from '@showcase/goka';

/**
 * Whether the pair (user, other) excludes `other` from user's recommendations: user already
 * liked, passed or blocked other, other blocked user, or they match now. One pair row holds all
 * of it (edge-set's `edgePairTable`).
 */
export function excludedByPair(pair: PairState | undefined): boolean {
  if (!pair) return false;
  return (
    hasEdge(pair, 'out', 'like') ||
    hasEdge(pair, 'out', 'pass') ||
    hasEdge(pair, 'out', 'block') ||
    hasEdge(pair, 'in', 'block') ||
    pair.matchSince !== undefined
  );
}

/**
 * Every user excluded for `user` by its pairs: one range scan of the pair table over `user`'s
 * rows (edge-set keeps them under the prefix `user|`), instead of one get per candidate.
 */
export async function pairExclusions(pairs: View<PairState>, user: string): Promise<Set<string>> {
  const excluded = new Set<string>();
  for await (const [key, pair] of pairs.iterate(pairRange(user))) {
    if (excludedByPair(pair)) excluded.add(parsePairKey(key).other);
  }
  return excluded;
}
