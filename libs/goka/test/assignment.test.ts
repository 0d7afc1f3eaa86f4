import { describe, expect, it } from 'vitest';
import { coPartitionedAssignment } from '../src/index.ts';

const sizes = (a: Map<string, number[]>) => [...a.values()].map((p) => p.length).sort();
const all = (a: Map<string, number[]>) => [...a.values()].flat().sort((x, y) => x - y);
const moved = (before: Map<string, number[]>, after: Map<string, number[]>) => {
  let n = 0;
  for (const [m, parts] of after) for (const p of parts) if (!before.get(m)?.includes(p)) n++;
  return n;
};

describe('co-partitioned assignment', () => {
  it('gives every partition to exactly one member, shares differing by at most one', () => {
    for (const members of [1, 2, 3, 4, 7]) {
      for (const partitions of [1, 5, 6, 12]) {
        const a = coPartitionedAssignment(
          Array.from({ length: members }, (_, i) => `m${i}`),
          partitions,
        );
        expect(all(a)).toEqual(Array.from({ length: partitions }, (_, p) => p));
        const s = sizes(a);
        expect(s[s.length - 1]! - s[0]!).toBeLessThanOrEqual(1);
      }
    }
  });

  it('moves only what it must when a member joins or leaves', () => {
    const three = coPartitionedAssignment(['a', 'b', 'c'], 12);
    const four = coPartitionedAssignment(['a', 'b', 'c', 'd'], 12, three);
    // d needs 3 partitions; nobody else loses more than it must.
    expect(four.get('d')).toHaveLength(3);
    expect(moved(three, four)).toBe(3);
    const back = coPartitionedAssignment(['a', 'b', 'd'], 12, four);
    // c's 3 partitions go to the others; everything else stays put.
    expect(moved(four, back)).toBe(3);
    expect(all(back)).toEqual(Array.from({ length: 12 }, (_, p) => p));
  });

  it('resolves two members claiming one partition and ignores partitions that no longer exist', () => {
    const previous = new Map([
      ['a', [0, 1, 2]],
      ['b', [2, 3, 9]],
    ]);
    const a = coPartitionedAssignment(['a', 'b'], 4, previous);
    expect(all(a)).toEqual([0, 1, 2, 3]);
    expect(sizes(a)).toEqual([2, 2]);
  });

  it('is deterministic whatever the order of the members', () => {
    const previous = new Map([['x', [4, 5]]]);
    const one = coPartitionedAssignment(['z', 'x', 'y'], 6, previous);
    const two = coPartitionedAssignment(['y', 'z', 'x'], 6, previous);
    expect([...two.entries()].sort()).toEqual([...one.entries()].sort());
    expect(one.get('x')).toEqual([4, 5]);
  });
});
