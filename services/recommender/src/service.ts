import { edgePairTable, spamBlockTable, userTable } from '@showcase/contracts';
import type { View } from '@showcase/goka';
import {
  type BuiltService,
  buildService,
  defineService,
  type GroupDefinition,
  processed,
  type ServiceHost,
} from '@showcase/service-kit';
import { type CandidateIndex, createCandidateIndex } from './candidate-index.ts';
import { ClusterFitter } from './cluster-fitter.ts';
import {
  coClusterConfig,
  DEFAULT_PORT,
  learnerConfig,
  rankerConfig,
  recommenderEnv,
  signalWeights,
} from './config.ts';
import { pairExclusions } from './exclusions.ts';
import { createMirrors } from './mirrors.ts';
import { modelStats } from './model-stats.ts';
import { learnerGroup } from './processors/learner.ts';
import { Ranker } from './ranker.ts';
import type { RecommenderContext, RecommenderTables } from './routes/deps.ts';
import { modelStatsRoutes } from './routes/model-stats.ts';
import { recommendationRoutes } from './routes/recommendations.ts';
import { tables } from './topics.ts';

export interface RecommenderOptions {
  /** Default: libs/geo's grid index. */
  readonly index?: CandidateIndex;
  /** Default true: false serves from the tables without learning (e.g. a read replica). */
  readonly learn?: boolean;
}

/**
 * recommender, declared: the learner group, four views (three mirrored for the ranker, edge-set's
 * pairs read per request), two resources. Every topic it touches — the contract tables it reads
 * included, so it starts before their owners — is derived from these.
 */
export function recommenderService(options: RecommenderOptions = {}) {
  return defineService({
    name: 'recommender',
    port: DEFAULT_PORT,
    description: 'Reciprocal recommendations learned online from interactions',
    env: recommenderEnv,
    groups: (config): Readonly<Record<string, GroupDefinition>> =>
      options.learn === false
        ? {}
        : { learner: processed(learnerGroup(learnerConfig(config), signalWeights(config))) },
    views: () => ({
      users: userTable,
      model: tables.model,
      spamBlocks: spamBlockTable,
      pairs: edgePairTable,
    }),
    context: ({ views, config, service }): RecommenderContext => {
      const learner = learnerConfig(config);
      const mirrors = createMirrors(views, learner);
      const pairs: View<RecommenderTables['pairs']> = views.pairs;
      let pairChanges = 0;
      pairs.on('update', () => {
        pairChanges++;
      });
      const index = options.index ?? createCandidateIndex();
      mirrors.users.onChange((user, searchable) => {
        if (searchable) index.set(user, searchable.location);
        else index.delete(user);
      });
      const clusters = coClusterConfig(config);
      const fitter = clusters
        ? new ClusterFitter(
            mirrors.model,
            clusters,
            config.RANK_CLUSTER_REFIT_MS,
            (error) => service.logger.error({ err: error }, 'fitting the co-clustering failed'),
            { mode: config.RANK_CLUSTER_WORKER ? 'worker' : 'inline' },
          )
        : undefined;
      const ranker = new Ranker(
        {
          ...mirrors,
          exclusions: (user) => pairExclusions(pairs, user),
          index,
          ...(fitter ? { clusters: () => fitter.current() } : {}),
        },
        learner,
        rankerConfig(config),
      );
      // Load the mirrors as soon as their views run, not at the first request.
      service.onStart(() => {
        ranker
          .ready()
          .catch((error: unknown) => service.logger.error({ err: error }, 'loading mirrors failed'));
      });
      service.onStop(async () => {
        await fitter?.close();
        mirrors.users.close();
        mirrors.model.close();
        mirrors.spamBlocked.close();
      });
      return {
        mirrors,
        ranker,
        version: () =>
          mirrors.users.version + mirrors.model.version + mirrors.spamBlocked.version + pairChanges,
        stats: async () => {
          await mirrors.model.ready();
          return { ...modelStats(mirrors.model.entries()), clustersBehind: fitter?.behind ?? 0 };
        },
      };
    },
    routes: [recommendationRoutes, modelStatsRoutes],
  });
}

/** The service main.ts runs. */
export const recommender = recommenderService();

export interface Recommender
  extends BuiltService<typeof recommenderEnv, RecommenderTables, unknown, string, RecommenderContext> {
  readonly ranker: Ranker;
  readonly mirrors: RecommenderContext['mirrors'];
  /** edge-set's pair table (read by range per request, not mirrored). */
  readonly pairs: View<RecommenderTables['pairs']>;
}

/** The whole service on a given cluster (tests, benches); `service.start()` runs it. */
export async function createRecommender(options: ServiceHost & RecommenderOptions): Promise<Recommender> {
  const built = await buildService(recommenderService(options), options);
  return { ...built, ranker: built.context.ranker, mirrors: built.context.mirrors, pairs: built.views.pairs };
}
