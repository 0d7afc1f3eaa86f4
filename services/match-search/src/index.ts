export { DEFAULT_PORT, matchSearchEnv } from './config.ts';
export { applyUserUpdate, usersGroup } from './processors/users.ts';
export type {
  MatchSearchContext,
  MatchSearchDeps,
  MatchSearchTables,
  MatchSearchWrites,
} from './routes/deps.ts';
export { incompleteProfile } from './routes/nearby.ts';
export { type DirectoryViews, feedDirectory } from './search/directory-feed.ts';
export { type NearbyEvent, NearbyWatch } from './search/nearby-watch.ts';
export {
  type DirectoryChange,
  type NearbyQuery,
  type NearbyUser,
  UserDirectory,
} from './search/user-directory.ts';
export {
  createMatchSearch,
  type MatchSearch,
  type MatchSearchOptions,
  matchSearch,
  matchSearchService,
} from './service.ts';
export { groups, tables } from './topics.ts';
