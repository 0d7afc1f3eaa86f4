import { describe, expect, it } from 'vitest';
import { GROWTH_WINDOW_MS, growthOf, type ResourceSample } from '../src/resource-sampler.ts';

const MiB = 2 ** 20;
const minute = 60_000;

describe('growthOf', () => {
  it('reads growth over the last 20 minutes of a long run, not from the warm-up', () => {
    // 30 samples a minute apart: RSS climbs during the first 10 minutes, then 1 MiB a minute.
    const samples: ResourceSample[] = Array.from({ length: 31 }, (_, i) => ({
      atMs: i * minute,
      rssBytes: (i <= 10 ? 50 + i * 10 : 150 + (i - 10)) * MiB,
      sockets: i === 0 ? 3 : 12,
      loopDelayP99Ms: i === 5 ? 80 : 10,
    }));
    const row = growthOf('svc', samples);
    // window = [10, 30] min: 150 → 170 MiB
    expect(row.rssMiB.windowStart).toBe(150);
    expect(row.rssMiB.end).toBe(170);
    expect(row.rssMiB.growthPct).toBeCloseTo((20 / 150) * 100, 6);
    expect(row.sockets).toEqual({ windowStart: 12, end: 12, max: 12 });
    expect(row.loopDelayP99Ms).toEqual({ median: 10, max: 80 });
    expect(GROWTH_WINDOW_MS).toBe(20 * minute);
  });

  it('takes the last two thirds of a short run, and leaves out what was never read', () => {
    const samples: ResourceSample[] = [0, 1, 2, 3].map((i) => ({
      atMs: i * minute,
      rssBytes: (100 + i) * MiB,
    }));
    const row = growthOf('broker', samples);
    // end 3 min, window 2 min: samples at 1, 2, 3
    expect(row.rssMiB.windowStart).toBe(101);
    expect(row.rssMiB.end).toBe(103);
    expect(row.sockets.max).toBeUndefined();
    expect(row.loopDelayP99Ms.max).toBeUndefined();
    expect(row.errors).toBeUndefined();
  });
});
