export { incompleteProfile, registerRoutes } from './api.ts';
export { createMatchSearch, type MatchSearch, type MatchSearchOptions } from './app.ts';
export { DEFAULT_PORT, matchSearchEnv } from './config.ts';
export { applyUserUpdate, usersGroup } from './processors/users.ts';
export { type NearbyEvent, NearbyWatch } from './search/nearby-watch.ts';
export { type StoreTap, tappedStorage } from './search/tapped-storage.ts';
export {
  type DirectoryChange,
  type NearbyQuery,
  type NearbyUser,
  UserDirectory,
} from './search/user-directory.ts';
export { groups, tables, topicSpecs } from './topics.ts';
