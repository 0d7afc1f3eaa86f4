import type { Interaction } from '@showcase/contracts';
import type { ServiceDeps } from '@showcase/service-kit';
import type { edgeSetEnv } from '../config.ts';
import type { IndexEntry, NotificationRow, PairRow } from '../model.ts';

/** The tables edge-set's routes read, by view name. */
export interface EdgeSetTables {
  /** The contract's `PairState` with edge-set's own fields. */
  readonly pairs: PairRow;
  readonly index: IndexEntry;
  readonly notifications: NotificationRow;
}

/** The topics edge-set's routes write, by emitter name. */
export interface EdgeSetWrites {
  readonly interactions: Interaction;
}

/** What every edge-set route plugin receives (service.ts builds it from the definition). */
export type EdgeSetDeps = ServiceDeps<typeof edgeSetEnv, EdgeSetTables, EdgeSetWrites>;
export type EdgeSetViews = EdgeSetDeps['views'];
export type EdgeSetEmitters = EdgeSetDeps['emitters'];
