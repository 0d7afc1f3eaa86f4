import {
  type BlockState,
  edgePairTable,
  type PairState,
  spamBlockTable,
  type UserState,
  userTable,
} from '@showcase/contracts';
import type { View } from '@showcase/goka';
import {
  createService,
  ensureTopicsReady,
  hostOf,
  type Service,
  type ServiceHost,
} from '@showcase/service-kit';
import { registerRoutes } from './api.ts';
import { type CandidateIndex, createCandidateIndex } from './candidate-index.ts';
import { DEFAULT_PORT, learnerConfig, rankerConfig, recommenderEnv, signalWeights } from './config.ts';
import { pairExclusions } from './exclusions.ts';
import { isSoundRow, type ModelRow, rowFor } from './model.ts';
import { learnerGroup } from './processors/learner.ts';
import { Ranker, type Searchable } from './ranker.ts';
import { TableMirror } from './table-mirror.ts';
import { tables, topicSpecs } from './topics.ts';

export interface RecommenderOptions extends ServiceHost {
  /** Default: libs/geo's grid index. */
  readonly index?: CandidateIndex;
  /** Default true: false serves from the tables without learning (e.g. a read replica). */
  readonly learn?: boolean;
}

export interface Recommender {
  readonly service: Service<typeof recommenderEnv>;
  readonly ranker: Ranker;
  readonly mirrors: {
    readonly users: TableMirror<UserState, Searchable>;
    readonly model: TableMirror<ModelRow, ModelRow>;
    readonly spamBlocked: TableMirror<BlockState, true>;
  };
  /** edge-set's pair table (read by range per request, not mirrored). */
  readonly pairs: View<PairState>;
}

const validLocation = (l: { lat: number; lon: number } | undefined): l is { lat: number; lon: number } =>
  l !== undefined &&
  Number.isFinite(l.lat) &&
  Number.isFinite(l.lon) &&
  Math.abs(l.lat) <= 90 &&
  Math.abs(l.lon) <= 180;

/** The whole service on a given cluster: learner, views and their mirrors, ranker, routes. */
export async function createRecommender(options: RecommenderOptions): Promise<Recommender> {
  const service = await createService({
    name: 'recommender',
    port: DEFAULT_PORT,
    description: 'Reciprocal recommendations learned online from interactions',
    config: recommenderEnv,
    ...hostOf(options),
  });
  const config = service.config;
  const learner = learnerConfig(config);
  service.onStart(() => ensureTopicsReady(options.cluster, topicSpecs(config.PARTITIONS)));
  if (options.learn !== false) service.processor(learnerGroup(learner, signalWeights(config)));

  const users = new TableMirror(service.view(userTable), (_key, state: UserState) =>
    state.profile && validLocation(state.location)
      ? { profile: state.profile, location: { lat: state.location.lat, lon: state.location.lon } }
      : undefined,
  );
  const model = new TableMirror(service.view(tables.model), (key, row: ModelRow) => {
    const fitted = rowFor(key, row, learner);
    return isSoundRow(fitted, learner.factors) ? fitted : undefined;
  });
  const spamBlocked = new TableMirror(service.view(spamBlockTable), (_key, state: BlockState) =>
    state.blocked ? (true as const) : undefined,
  );
  const pairs = service.view(edgePairTable);
  let pairChanges = 0;
  pairs.on('update', () => {
    pairChanges++;
  });

  const index = options.index ?? createCandidateIndex();
  users.onChange((user, searchable) => {
    if (searchable) index.set(user, searchable.location);
    else index.delete(user);
  });
  const ranker = new Ranker(
    { users, model, spamBlocked, exclusions: (user) => pairExclusions(pairs, user), index },
    learner,
    rankerConfig(config),
  );
  // Load the mirrors as soon as their views run, not at the first request.
  service.onStart(() => {
    ranker.ready().catch((error: unknown) => service.logger.error({ err: error }, 'loading mirrors failed'));
  });
  service.onStop(() => {
    users.close();
    model.close();
    spamBlocked.close();
  });

  registerRoutes(service, {
    ranker,
    version: () => users.version + model.version + spamBlocked.version + pairChanges,
    refreshMs: config.WS_REFRESH_MS,
    stats: async () => {
      await model.ready();
      const totals = { users: 0, given: 0, received: 0, likesReceived: 0, rejected: 0 };
      for (const [, row] of model.entries()) {
        totals.users++;
        totals.given += row.given;
        totals.received += row.received;
        totals.likesReceived += row.likesReceived;
        totals.rejected += row.rejected;
      }
      return totals;
    },
  });
  return { service, ranker, mirrors: { users, model, spamBlocked }, pairs };
}
