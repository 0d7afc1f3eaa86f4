import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { bytes, json, murmur2, partitionFor, string } from '../src/index.ts';

describe('codecs', () => {
  it('round-trip json, string and bytes', () => {
    const j = json<{ a: number; b: string[] }>();
    expect(j.decode(j.encode({ a: 1, b: ['x'] }))).toEqual({ a: 1, b: ['x'] });
    expect(string().decode(string().encode('héllo ✓'))).toBe('héllo ✓');
    const raw = Buffer.from([0, 255, 7]);
    expect(bytes().decode(bytes().encode(raw)).equals(raw)).toBe(true);
  });

  it('refuses values JSON cannot represent instead of writing an empty record', () => {
    expect(() => json<unknown>().encode(undefined)).toThrow(/not JSON-serialisable/);
    expect(() => json<unknown>().decode(Buffer.from('{nope'))).toThrow();
  });
});

describe('murmur2 partitioning', () => {
  // kafkajs' default partitioner is the Java client's; agreeing with it on many keys (ASCII,
  // multi-byte UTF-8, every tail length) means agreeing with every Java-compatible client.
  const require = createRequire(import.meta.url);
  const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (
    key: Buffer,
  ) => number;

  it('matches kafkajs bit for bit', () => {
    const keys = ['', 'a', 'ab', 'abc', 'abcd', 'user-1', 'Zürich ✓', '😀😀😀'];
    for (let i = 0; i < 5000; i++) keys.push(`key-${i * 7919}-${'x'.repeat(i % 13)}`);
    for (const key of keys) {
      const data = Buffer.from(key, 'utf8');
      expect(murmur2(data), key).toBe(kafkajsMurmur2(data));
    }
  });

  it('maps keys to partitions like the Java client', () => {
    for (let i = 0; i < 1000; i++) {
      const key = `k${i}`;
      const expected = (kafkajsMurmur2(Buffer.from(key)) & 0x7fffffff) % 6;
      expect(partitionFor(key, 6)).toBe(expected);
    }
    expect(() => partitionFor('k', 0)).toThrow(/positive integer/);
  });
});
