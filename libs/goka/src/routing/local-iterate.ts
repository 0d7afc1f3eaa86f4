import type { KeyRange } from '../storage/storage.ts';
import type { OwnedPartition } from './local-reads.ts';
import { NotLocal } from './owner.ts';

/**
 * Rows of the partitions this instance owns and has recovered, in key order (a k-way merge of
 * their sorted stores), with what `readCommitted` sees: acknowledged (exactly-once: committed)
 * rows only. The partitions are those owned when the iteration starts; a rebalance that takes
 * one while it runs ends the iteration with `NotLocal` rather than a silently partial answer.
 */
export async function* iterateCommitted(
  tasks: readonly OwnedPartition[],
  range: KeyRange | undefined,
): AsyncIterable<[string, Buffer]> {
  const running = tasks.filter((t) => t.state === 'running' && t.tableStore);
  const limit = range?.limit ?? Number.POSITIVE_INFINITY;
  const { limit: _ignored, ...perPartition } = range ?? {};
  const descending = range?.reverse ?? false;
  const iterators = running.map((t) => t.tableStore!.iterate(perPartition)[Symbol.asyncIterator]());
  let lastKey = '';
  const moved = () =>
    new NotLocal(lastKey, {
      kind: 'unavailable',
      partition: undefined,
      reason: 'a partition moved away during the iteration',
    });
  const next = async (i: number) => {
    try {
      return await iterators[i]!.next();
    } catch (error) {
      if (running[i]!.state !== 'running') throw moved();
      throw error;
    }
  };
  try {
    const heads = await Promise.all(iterators.map((_, i) => next(i)));
    let emitted = 0;
    while (emitted < limit) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i]!;
        if (head.done) continue;
        const key = head.value[0];
        const bestKey = best < 0 ? undefined : (heads[best]!.value as [string, Buffer])[0];
        if (bestKey === undefined || (descending ? key > bestKey : key < bestKey)) best = i;
      }
      if (best < 0) return;
      const entry = heads[best]!.value as [string, Buffer];
      if (running[best]!.state !== 'running') throw moved();
      lastKey = entry[0];
      heads[best] = await next(best);
      emitted++;
      yield entry;
    }
  } finally {
    await Promise.allSettled(iterators.map((it) => it.return?.()));
  }
}
