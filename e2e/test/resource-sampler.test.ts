import { describe, expect, it } from 'vitest';
import {
  GROWTH_WINDOW_MS,
  growthOf,
  parseServiceMetrics,
  type ResourceSample,
} from '../src/resource-sampler.ts';

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

  it('tells heap from external memory: each figure grows from its own first sample in the window', () => {
    // The heap is flat, the Buffers grow; the first heap scrape in the window timed out (a gap).
    const samples: ResourceSample[] = [0, 1, 2, 3].map((i) => ({
      atMs: i * minute,
      rssBytes: (200 + 10 * i) * MiB,
      heapUsedBytes: i === 1 ? undefined : 80 * MiB,
      externalBytes: (20 + 10 * i) * MiB,
      arrayBuffersBytes: (10 + 10 * i) * MiB,
      levelDbLogBytes: (4 + i) * MiB,
    }));
    const row = growthOf('edge-set', samples);
    expect(row.heapUsedMiB).toEqual({ windowStart: 80, end: 80, growthPct: 0 });
    expect(row.externalMiB).toEqual({ windowStart: 30, end: 50, growthPct: (20 / 30) * 100 });
    expect(row.arrayBuffersMiB.growthPct).toBeCloseTo(100, 6);
    expect(row.levelDbLogMiB).toMatchObject({ windowStart: 5, end: 7 });
  });
});

describe('parseServiceMetrics', () => {
  it('reads loop delay and memory figures from prom-client text with default labels', () => {
    const text = [
      '# HELP nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.',
      '# TYPE nodejs_heap_size_used_bytes gauge',
      'nodejs_heap_size_used_bytes{service="edge-set"} 52428800',
      'nodejs_heap_space_size_used_bytes{space="old",service="edge-set"} 1',
      'nodejs_external_memory_bytes{service="edge-set"} 1048576',
      'nodejs_array_buffers_bytes{service="edge-set"} 524288',
      'nodejs_eventloop_lag_p99_seconds{service="edge-set"} 0.0125',
    ].join('\n');
    expect(parseServiceMetrics(text)).toEqual({
      loopDelayP99Ms: 12.5,
      heapUsedBytes: 52_428_800,
      externalBytes: 1_048_576,
      arrayBuffersBytes: 524_288,
    });
    expect(parseServiceMetrics('')).toEqual({
      loopDelayP99Ms: undefined,
      heapUsedBytes: undefined,
      externalBytes: undefined,
      arrayBuffersBytes: undefined,
    });
  });
});
