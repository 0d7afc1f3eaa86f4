import type { Interaction } from '@showcase/contracts';
import type { ServiceDeps } from '@showcase/service-kit';
import type { edgeSetEnv } from '../config.ts';
import type { IndexEntry, NotificationRow, PairRow } from '../model.ts';

/** The tables edge-set's routes read through views (every partition on every instance), by view name. */
export interface EdgeSetTables {
  readonly index: IndexEntry;
  readonly notifications: NotificationRow;
}

/**
 * The tables edge-set's routes read from the instance that owns the key (its pairs group's own
 * partitions; forwarded otherwise): no instance keeps the whole pairs table.
 */
export interface EdgeSetRouted {
  /** The contract's `PairState` with edge-set's own fields. */
  readonly pairs: PairRow;
}

/** The topics edge-set's routes write, by emitter name. */
export interface EdgeSetWrites {
  readonly interactions: Interaction;
}

/** What every edge-set route plugin receives (service.ts builds it from the definition). */
export type EdgeSetDeps = ServiceDeps<
  typeof edgeSetEnv,
  EdgeSetTables,
  EdgeSetWrites,
  unknown,
  EdgeSetRouted
>;
export type EdgeSetViews = EdgeSetDeps['views'];
export type EdgeSetEmitters = EdgeSetDeps['emitters'];
