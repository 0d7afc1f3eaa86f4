import type { BlockState, PairState, UserState } from '@showcase/contracts';
import type { ServiceDeps } from '@showcase/service-kit';
import type { recommenderEnv } from '../config.ts';
import type { Mirrors } from '../mirrors.ts';
import type { ModelRow } from '../model.ts';
import type { ModelStats } from '../model-stats.ts';
import type { Ranker } from '../ranker.ts';

/** The tables recommender reads (mirrored, or by range per request for the pairs), by view name. */
export interface RecommenderTables {
  readonly users: UserState;
  readonly model: ModelRow;
  readonly spamBlocks: BlockState;
  /** edge-set's pair table (read by range per request, not mirrored). */
  readonly pairs: PairState;
}

/** Beyond views: the mirrors, the ranker over them, and what the routes ask of them. */
export interface RecommenderContext {
  readonly mirrors: Mirrors;
  readonly ranker: Ranker;
  /** Grows whenever any input of the ranking changed. */
  readonly version: () => number;
  /** clustersBehind: model table changes the co-clustering has not been fitted on yet. */
  readonly stats: () => Promise<ModelStats & { readonly clustersBehind: number }>;
}

/** What every recommender route plugin receives (service.ts builds it from the definition). */
export type RecommenderDeps = ServiceDeps<
  typeof recommenderEnv,
  RecommenderTables,
  Record<never, never>,
  RecommenderContext
>;
