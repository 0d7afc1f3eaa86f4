import { defineGroup, input, persist } from '@showcase/goka';
import type { IndexEntry } from '../model.ts';
import { edgeSetTopology, type Topology } from '../topics.ts';

/**
 * The list index (see index-keys.ts): one row per edge of a user in one direction and type, and
 * one per match, written from the pair rows' changes. Lists are range scans of its view.
 */
export function indexGroup(t: Topology = edgeSetTopology) {
  return defineGroup<IndexEntry>(
    t.groups.index,
    persist(t.tables.index.codec),
    input(t.indexUpdates.name, t.indexUpdates.codec, (ctx, update) => {
      if (update.entry === null) ctx.delete();
      else ctx.setValue(update.entry);
    }),
  );
}
