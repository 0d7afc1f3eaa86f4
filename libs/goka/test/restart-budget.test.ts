import { describe, expect, it } from 'vitest';
import { RestartBudget } from '../src/processor/restart-budget.ts';

describe('RestartBudget', () => {
  it('allows restarts while a partition makes progress, and refuses the one past the limit in a row', () => {
    const budget = new RestartBudget(3);
    expect([1, 2, 3, 4].map(() => budget.allow(0, false).allowed)).toEqual([true, true, true, false]);
    // Another partition has its own count.
    expect(budget.allow(1, false)).toEqual({ allowed: true, inARow: 1 });
    // A committed transaction since the last restart starts the count over.
    expect(budget.allow(0, true)).toEqual({ allowed: true, inARow: 1 });
    expect(budget.allow(0, false)).toEqual({ allowed: true, inARow: 2 });
  });
});
