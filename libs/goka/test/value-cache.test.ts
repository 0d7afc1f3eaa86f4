import { expect, it } from 'vitest';
import { ValueCache } from '../src/processor/value-cache.ts';

it('the value cache is bounded by bytes as well as entries, evicting the least recently used', () => {
  const cache = new ValueCache(1_000, 10_000);
  const big = Buffer.alloc(3_000);
  for (const key of ['a', 'b', 'c']) cache.set(key, big);
  expect(cache.size).toBe(3);
  cache.get('a'); // a is now the most recently used
  cache.set('d', big); // 4 x 3 KB > 10 KB: the least recently used (b) leaves
  expect(cache.has('b')).toBe(false);
  expect(['a', 'c', 'd'].every((k) => cache.has(k))).toBe(true);
  expect(cache.byteSize).toBeLessThanOrEqual(10_000);
  // A value larger than the whole budget is not cached at all.
  cache.set('huge', Buffer.alloc(20_000));
  expect(cache.has('huge')).toBe(false);
  // Replacing a value accounts for the difference.
  cache.set('a', Buffer.alloc(10));
  expect(cache.byteSize).toBe(2 * (48 + 2 + 3_000) + 48 + 2 + 10);
});

it('keeps a value in memory of its own, not a slice that pins a shared pool slab', () => {
  const cache = new ValueCache(1_000);
  // Buffer.from(string) of a small value is a slice of Node's shared 8 KiB pool.
  const slice = Buffer.from(JSON.stringify({ user: 'u1', likes: 3 }));
  expect(slice.buffer.byteLength).toBeGreaterThan(slice.byteLength);
  cache.set('u1', slice);
  const kept = cache.get('u1')!;
  expect(kept.equals(slice)).toBe(true);
  expect(kept.buffer.byteLength).toBe(kept.byteLength);
  // A buffer that already owns its memory is kept as it is (no copy).
  const own = Buffer.alloc(16_384);
  cache.set('big', own);
  expect(cache.get('big')).toBe(own);
});
