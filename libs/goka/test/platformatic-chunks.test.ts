import { describe, expect, it } from 'vitest';
import type { OutgoingRecord } from '../src/cluster/cluster.ts';
import { chunkEnd, recordSize } from '../src/cluster/platformatic/chunks.ts';

/** A small seeded generator (mulberry32), so a failure names a reproducible case. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function records(rand: () => number, n: number): OutgoingRecord[] {
  return Array.from({ length: n }, () => ({
    topic: rand() < 0.8 ? 'a' : 'b',
    partition: Math.floor(rand() * 4),
    key: Buffer.alloc(Math.floor(rand() * 20)),
    value: rand() < 0.1 ? null : Buffer.alloc(Math.floor(rand() * 400)),
    ...(rand() < 0.2 ? { headers: { h: 'é'.repeat(Math.floor(rand() * 5)) } } : {}),
  }));
}

/**
 * Oracle, brute force: whether records[start, end) keeps every topic-partition under the limit,
 * except an oversized first record, which leaves alone in its partition (the broker names the
 * problem; a request never stalls on it).
 */
function fits(rs: readonly OutgoingRecord[], start: number, end: number, limit: number): boolean {
  const parts = new Map<string, { bytes: number; count: number; first: boolean }>();
  for (let i = start; i < end; i++) {
    const r = rs[i]!;
    const key = JSON.stringify([r.topic, r.partition]);
    const p = parts.get(key) ?? { bytes: 0, count: 0, first: i === start };
    parts.set(key, { bytes: p.bytes + recordSize(r), count: p.count + 1, first: p.first });
  }
  return [...parts.values()].every((p) => p.bytes <= limit || (p.count === 1 && p.first));
}

describe('platformatic producer request chunks', () => {
  it('cut every request at the longest prefix whose partitions stay under the limit', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rand = random(seed);
      const rs = records(rand, 1 + Math.floor(rand() * 60));
      const limit = 200 + Math.floor(rand() * 3_000);
      let start = 0;
      while (start < rs.length) {
        const end = chunkEnd(rs, start, limit);
        expect(end, `seed ${seed}`).toBeGreaterThan(start);
        expect(fits(rs, start, end, limit), `seed ${seed}`).toBe(true);
        // Longest: one more record would break the limit.
        if (end < rs.length) expect(fits(rs, start, end + 1, limit), `seed ${seed}`).toBe(false);
        start = end;
      }
    }
  });

  it('counts header bytes as UTF-8', () => {
    const base = { topic: 't', partition: 0, key: null, value: null };
    expect(recordSize({ ...base, headers: { h: 'é' } }) - recordSize({ ...base, headers: { h: 'e' } })).toBe(
      1,
    );
  });
});
