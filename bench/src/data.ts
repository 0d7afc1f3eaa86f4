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

/** Uniform numbers in [0, 1) from a fixed seed, so every run reads the same keys. */
export { seeded as seededRandom } from '@showcase/simkit';
