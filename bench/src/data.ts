import { partitionFor } from '@showcase/goka';

/** The shape of every benchmark record: a 100-byte JSON object. */
export interface BenchValue {
  id: number;
  user: string;
  text: string;
}

export const VALUE_BYTES = 100;

export function keyOf(i: number, keys: number): string {
  return `user-${String(i % keys).padStart(6, '0')}`;
}

/** A value whose JSON encoding is exactly VALUE_BYTES long. */
export function benchValue(id: number, user: string): BenchValue {
  const base = JSON.stringify({ id, user, text: '' }).length;
  return { id, user, text: 'x'.repeat(Math.max(0, VALUE_BYTES - base)) };
}

/** key -> partition, computed once (Java-compatible murmur2, as the library and kafkajs do). */
export function partitionTable(keys: number, partitions: number): Int32Array {
  const table = new Int32Array(keys);
  for (let i = 0; i < keys; i++) table[i] = partitionFor(keyOf(i, keys), partitions);
  return table;
}

/** Random integers in [0, n) from a fixed seed, so every run reads the same keys (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
