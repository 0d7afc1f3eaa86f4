import { describe, expect, it } from 'vitest';
import { stateful } from '../src/scenarios/stateful.ts';

// The stateful scenario's table: every figure names a variant the scenario runs, and the write
// coalescing variant sits beside the default so one run shows the lever (issue 17).
describe('stateful scenario', () => {
  const variants = new Set(stateful.variants.map((v) => v.name));

  it('every figure and baseline names a variant of the scenario', () => {
    for (const f of stateful.figures) {
      expect(variants, f.figure).toContain(f.variant);
      if (f.baseline && 'variant' in f.baseline) expect(variants, f.figure).toContain(f.baseline.variant);
    }
  });

  it('measures write coalescing against the default in the same run', () => {
    const coalescing = stateful.figures.filter((f) => f.variant === 'goka-coalesce');
    expect(coalescing.map((f) => f.measure)).toEqual(['rate', 'changelogShare', 'p50', 'p99']);
    expect(coalescing[0]!.baseline).toEqual({ variant: 'goka', measure: 'rate' });
  });
});
