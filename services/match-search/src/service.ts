import { userUpdates } from '@showcase/contracts';
import {
  type BuiltService,
  buildService,
  defineService,
  type GroupDefinition,
  processed,
  type ServiceHost,
} from '@showcase/service-kit';
import { DEFAULT_PORT, matchSearchEnv } from './config.ts';
import { usersGroup } from './processors/users.ts';
import type { MatchSearchContext, MatchSearchTables, MatchSearchWrites } from './routes/deps.ts';
import { nearbyRoutes } from './routes/nearby.ts';
import { userRoutes } from './routes/users.ts';
import { feedDirectory } from './search/directory-feed.ts';
import { UserDirectory } from './search/user-directory.ts';
import { tables } from './topics.ts';

/**
 * match-search, declared. Writes: API → `match-search-user-updates` → the users group (per user,
 * partitioned) → `match-search-users-table`. Reads: three views (users, spam blocks, edge-set
 * pairs) whose rows feed an in-memory `UserDirectory`, so every instance answers nearby
 * queries from its own grid, complete once its views are running. `processor: false` makes a
 * search-only replica. One definition per instance: it holds that instance's directory.
 */
export function matchSearchService(options: { readonly processor?: boolean } = {}) {
  return defineService({
    name: 'match-search',
    port: DEFAULT_PORT,
    description: 'Exact, fresh search of nearby users with mutual filters, presence and blocks',
    env: matchSearchEnv,
    groups: (): Readonly<Record<string, GroupDefinition>> =>
      options.processor === false ? {} : { users: processed(usersGroup()) },
    views: () => ({ users: tables.users, spamBlocks: tables.spamBlocks, pairs: tables.pairs }),
    emitters: () => ({ updates: userUpdates }),
    // The grid's cell size is configuration: the directory is made once it is loaded, and
    // subscribed to its views before they start.
    context: ({ config, views }): MatchSearchContext => {
      const directory = new UserDirectory({ cellDeg: config.GRID_CELL_DEG });
      feedDirectory(views, directory);
      return { directory };
    },
    routes: [userRoutes, nearbyRoutes],
  });
}

/** The service main.ts runs. */
export const matchSearch = matchSearchService();

export interface MatchSearchOptions extends ServiceHost {
  /** Run the users processor in this instance (default true); false = a search-only replica. */
  readonly processor?: boolean;
}

export interface MatchSearch
  extends BuiltService<
    typeof matchSearchEnv,
    MatchSearchTables,
    MatchSearchWrites,
    'users',
    MatchSearchContext
  > {
  readonly directory: UserDirectory;
}

/** The whole service on a given cluster (tests, benches); `service.start()` runs it. */
export async function createMatchSearch(options: MatchSearchOptions): Promise<MatchSearch> {
  const built = await buildService(
    matchSearchService(options.processor === false ? { processor: false } : {}),
    options,
  );
  return { ...built, directory: built.context.directory };
}
