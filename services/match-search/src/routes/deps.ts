import type { BlockState, PairState, UserState, UserUpdate } from '@showcase/contracts';
import type { ServiceDeps } from '@showcase/service-kit';
import type { matchSearchEnv } from '../config.ts';
import type { UserDirectory } from '../search/user-directory.ts';

/** The tables match-search follows (into its directory), by view name. */
export interface MatchSearchTables {
  readonly users: UserState;
  readonly spamBlocks: BlockState;
  readonly pairs: PairState;
}

/** The topics match-search's routes write, by emitter name. */
export interface MatchSearchWrites {
  readonly updates: UserUpdate;
}

/** Beyond views and emitters: the in-memory directory that answers nearby queries. */
export interface MatchSearchContext {
  readonly directory: UserDirectory;
}

/** What every match-search route plugin receives (service.ts builds it from the definition). */
export type MatchSearchDeps = ServiceDeps<
  typeof matchSearchEnv,
  MatchSearchTables,
  MatchSearchWrites,
  MatchSearchContext
>;
