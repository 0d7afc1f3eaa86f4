/**
 * mulberry32: a tiny seeded PRNG whose whole state is one 32-bit integer, so the model can keep
 * it in its table row and stay deterministic across restarts and instances.
 */
export function nextRandom(state: number): { value: number; state: number } {
  const s = (state + 0x6d2b79f5) | 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { value: ((t ^ (t >>> 14)) >>> 0) / 4294967296, state: s };
}

/** A stateful wrapper for code outside the model (simulator, batch k-means). */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    const r = nextRandom(state);
    state = r.state;
    return r.value;
  };
}
