import { describe, expect, test } from 'vitest';
import { replicationFor } from '../src/cluster/kafka/admin.ts';

describe('replication of the topics the library creates', () => {
  test('defaults by cluster size: 1 on one broker, 3 copies with 2 in sync from three brokers up', () => {
    expect(replicationFor(1)).toEqual({ factor: 1, minInsync: 1 });
    expect(replicationFor(2)).toEqual({ factor: 2, minInsync: 1 });
    expect(replicationFor(3)).toEqual({ factor: 3, minInsync: 2 });
    expect(replicationFor(7)).toEqual({ factor: 3, minInsync: 2 });
  });

  test('configured values win; a configured factor gets its own in-sync default', () => {
    expect(replicationFor(3, { factor: 1 })).toEqual({ factor: 1, minInsync: 1 });
    expect(replicationFor(5, { factor: 5 })).toEqual({ factor: 5, minInsync: 2 });
    expect(replicationFor(3, { minInsync: 3 })).toEqual({ factor: 3, minInsync: 3 });
  });

  test('refuses an in-sync count the factor cannot meet', () => {
    expect(() => replicationFor(1, { minInsync: 2 })).toThrow(/min.insync.replicas 2/);
    expect(() => replicationFor(3, { factor: 0 })).toThrow(/replication factor/);
  });
});
