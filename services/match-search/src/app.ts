import {
  type BlockState,
  edgePairTable,
  type PairState,
  spamBlockTable,
  type UserState,
  userTable,
  userUpdates,
} from '@showcase/contracts';
import type { Cluster, Codec, Storage } from '@showcase/goka';
import { memoryStorage } from '@showcase/goka';
import { createService, ensureTopicsReady, type Logger, type Service } from '@showcase/service-kit';
import { registerRoutes } from './api.ts';
import { DEFAULT_PORT, matchSearchEnv } from './config.ts';
import { usersGroup } from './processors/users.ts';
import { tappedStorage } from './search/tapped-storage.ts';
import { UserDirectory } from './search/user-directory.ts';
import { tables, topicSpecs } from './topics.ts';

export interface MatchSearchOptions {
  readonly cluster: Cluster;
  /** Store builder per component; default memory. */
  readonly storage?: (component: string) => Storage;
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: Logger;
  /** Run the users processor in this instance (default true); false = a search-only replica. */
  readonly processor?: boolean;
}

export interface MatchSearch {
  readonly service: Service<typeof matchSearchEnv>;
  readonly directory: UserDirectory;
}

/**
 * The whole service on a given cluster. Writes: API → `match-search-user-updates` → the users
 * group (per user, partitioned) → `match-search-users-table`. Reads: three views (users, spam
 * blocks, edge-set pairs) whose stores are tapped into an in-memory `UserDirectory`, so every
 * instance answers nearby queries from its own grid, complete once its views are running.
 */
export async function createMatchSearch(options: MatchSearchOptions): Promise<MatchSearch> {
  // The grid's cell size is configuration, known once createService loaded it; the stores (and
  // so the taps) open only when the service starts, after that.
  let directory: UserDirectory | undefined;
  const dir = (): UserDirectory => {
    if (directory === undefined)
      throw new Error('match-search: a view store opened before the directory existed');
    return directory;
  };
  const taps = new Map<string, (key: string, value: Buffer | undefined) => void>();
  const tap = <T>(
    table: { name: string; codec: Codec<T> },
    apply: (key: string, value: T | undefined) => void,
  ) =>
    taps.set(`view-${table.name}`, (key, raw) =>
      apply(key, raw === undefined ? undefined : table.codec.decode(raw)),
    );
  tap(userTable, (k, v: UserState | undefined) => dir().applyUser(k, v));
  tap(spamBlockTable, (k, v: BlockState | undefined) => dir().applySpamBlock(k, v));
  tap(edgePairTable, (k, v: PairState | undefined) => dir().applyPair(k, v));

  const base = options.storage ?? (() => memoryStorage());
  const storage = (component: string): Storage => {
    const apply = taps.get(component);
    if (apply === undefined) return base(component);
    return tappedStorage(base(component), { put: (k, v) => apply(k, v), delete: (k) => apply(k, undefined) });
  };
  const service = await createService({
    name: 'match-search',
    port: DEFAULT_PORT,
    description: 'Exact, fresh search of nearby users with mutual filters, presence and blocks',
    config: matchSearchEnv,
    cluster: options.cluster,
    storage,
    ...(options.env ? { env: options.env } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const config = service.config;
  directory = new UserDirectory({ cellDeg: config.GRID_CELL_DEG });
  service.onStart(() => ensureTopicsReady(options.cluster, topicSpecs(config.PARTITIONS)));
  if (options.processor !== false) service.processor(usersGroup());
  service.view(tables.users);
  service.view(tables.spamBlocks);
  service.view(tables.pairs);
  const updates = service.emitter(userUpdates);
  registerRoutes(service as unknown as Service, { directory, updates });
  return { service, directory };
}
