import { defineGroup, input, persist } from '@showcase/goka';
import type { IndexEntry } from '../model.ts';
import { groups, indexUpdates, tables } from '../topics.ts';

/**
 * The list index (see index-keys.ts): one row per edge of a user in one direction and type, and
 * one per match, written from the pair rows' changes. Lists are range scans of its view.
 */
export function indexGroup() {
  return defineGroup<IndexEntry>(
    groups.index,
    persist(tables.index.codec),
    input(indexUpdates.name, indexUpdates.codec, (ctx, update) => {
      if (update.entry === null) ctx.delete();
      else ctx.setValue(update.entry);
    }),
  );
}
