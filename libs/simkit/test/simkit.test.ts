import { describe, expect, test } from 'vitest';
import {
  assertLoopback,
  classification,
  optionInt,
  optionNumber,
  pool,
  quantile,
  Random,
  seeded,
  sleep,
  summary,
} from '../src/index.ts';

describe('seeded randomness', () => {
  test('a seed replays exactly; another seed differs', () => {
    const a = seeded(42);
    const b = seeded(42);
    const c = seeded(43);
    const xs = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c())).not.toEqual(xs);
  });

  test('the sequences the simulators’ own copies produced (seeds in earlier notes still replay)', () => {
    // Recorded from the copies this module replaced (anti-spam's Random, bench's seededRandom).
    const r = seeded(1);
    expect([r(), r(), r()].map((x) => Math.round(x * 4294967296))).toEqual([
      2693262067, 11749833, 2265367787,
    ]);
    expect(Math.round(new Random(0).next() * 4294967296)).toBe(1541420728);
  });

  test('int covers [min, max] uniformly, both ends included', () => {
    const r = new Random(7);
    const counts = new Map<number, number>();
    for (let i = 0; i < 60_000; i++) {
      const v = r.int(1, 6);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    for (const n of counts.values()) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });

  test('shuffle is a permutation', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = new Random(3).shuffle([...items]);
    expect(shuffled).not.toEqual(items);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
  });
});

describe('statistics', () => {
  test('quantile interpolates between closest ranks and ignores input order', () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([10, 0], 0.99)).toBeCloseTo(9.9);
    expect(quantile([], 0.5)).toBeNaN();
  });

  test('summary matches a direct computation', () => {
    const values = Array.from({ length: 1001 }, (_, i) => 1000 - i);
    const s = summary(values);
    expect(s).toMatchObject({ count: 1001, p50: 500, p99: 990, max: 1000, mean: 500 });
  });

  test('classification: precision and recall, 1 when there is nothing to get wrong', () => {
    expect(classification(8, 2, 8)).toMatchObject({ precision: 0.8, recall: 0.5 });
    expect(classification(0, 0, 0)).toMatchObject({ precision: 1, recall: 1 });
  });
});

test('assertLoopback accepts loopback addresses only', () => {
  for (const url of ['http://127.0.0.1:4101', 'http://localhost:1', 'http://[::1]:80', 'http://127.8.9.10'])
    expect(() => assertLoopback(url)).not.toThrow();
  for (const url of ['http://10.0.0.1', 'http://example.com', 'http://128.0.0.1'])
    expect(() => assertLoopback(url)).toThrow(/loopback/);
});

test('pool keeps input order, never exceeds its limit, reports progress', async () => {
  let inFlight = 0;
  let peak = 0;
  const reports: number[] = [];
  const out = await pool(
    Array.from({ length: 20 }, (_, i) => i),
    3,
    async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await sleep((i * 7) % 5);
      inFlight--;
      return i * 2;
    },
    { every: 5, report: (done) => reports.push(done) },
  );
  expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  expect(peak).toBe(3);
  expect(reports).toEqual([5, 10, 15, 20]);
});

describe('optionInt / optionNumber', () => {
  test('accepts values in range and names the option, the range and the value otherwise', () => {
    expect(optionInt('users', '200', 10, 1000)).toBe(200);
    expect(optionNumber('spam-ratio', '0.06', 0.001, 0.9)).toBe(0.06);
    expect(() => optionInt('users', '2.5', 10, 1000)).toThrow(
      '--users must be an integer in [10, 1000] (got "2.5")',
    );
    expect(() => optionInt('users', '5', 10, 1000)).toThrow(/--users must be an integer in \[10, 1000\]/);
    expect(() => optionNumber('rate', 'fast', 1, 10)).toThrow(
      '--rate must be a number in [1, 10] (got "fast")',
    );
    expect(() => optionNumber('rate', '', 1, 10)).toThrow(/--rate/);
    expect(() => optionInt('seed', undefined, 0, 10)).toThrow('(got "")');
  });
});
