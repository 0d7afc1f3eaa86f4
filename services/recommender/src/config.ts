import { ConfigError, type ConfigOf, env, streamEnvSpec } from '@showcase/service-kit';
import { defaultAffinityConfig as a } from './affinity.ts';
import { type CoClusterConfig, defaultCoClusterConfig } from './co-clusters.ts';
import { defaultLearnerConfig as d, type LearnerConfig } from './model.ts';
import { defaultClusterWeight, defaultNeighbourWeight, type RankerConfig } from './ranker.ts';
import { type SignalWeights, defaultSignalWeights as w } from './signals.ts';

export const DEFAULT_PORT = 4104;

/**
 * recommender's own variables (PORT, HOST, AUTH_SECRET, LOG_LEVEL, … come from service-kit).
 * The learner defaults were chosen on the simulator's planted-taste population
 * (`npm run simulate -- recommender`, see README).
 */
export const recommenderEnv = {
  ...streamEnvSpec('recommender'),
  LEARN_FACTORS: env.int({ default: d.factors, min: 1, max: 128, doc: 'factors per taste/appeal vector' }),
  LEARN_RATE: env.number({ default: d.learningRate, min: 1e-6, max: 1, doc: 'SGD learning rate η' }),
  LEARN_REGULARIZATION: env.number({
    default: d.regularization,
    min: 0,
    max: 1,
    doc: 'L2 regularisation λ of the vectors',
  }),
  LEARN_BIAS_REGULARIZATION: env.number({
    default: d.biasRegularization,
    min: 0,
    max: 1,
    doc: 'L2 regularisation λ_b of the biases',
  }),
  LEARN_PRIOR_LOGIT: env.number({
    default: d.priorLogit,
    min: -10,
    max: 10,
    doc: 'μ: logit of the base like rate (a constant of the model)',
  }),
  LEARN_INIT_SCALE: env.number({ default: d.initScale, min: 1e-4, max: 1, doc: 'scale of initial vectors' }),
  LEARN_MAX_NORM: env.number({ default: d.maxNorm, min: 0.1, max: 100, doc: 'vectors are clipped to it' }),
  LEARN_NEIGHBOURS: env.int({
    default: d.neighbours,
    min: 0,
    max: 10_000,
    doc: 'ids kept per neighbour list of a row (liked, passed, liked by, passed by); 0 = factorisation only',
  }),
  LEARN_WEIGHT_MESSAGE: env.number({ default: w.message, min: 0, max: 1, doc: 'weight of a message' }),
  LEARN_WEIGHT_VISIT: env.number({ default: w.visit, min: 0, max: 1, doc: 'weight of a visit' }),
  LEARN_WEIGHT_UNLIKE: env.number({ default: w.unlike, min: 0, max: 1, doc: 'weight of an unlike' }),
  RANK_NEIGHBOUR_WEIGHT: env.number({
    default: defaultNeighbourWeight,
    min: 0,
    max: 1,
    doc: 'share of the neighbourhood signals in P(u likes v) and P(v likes u); the rest is the factorisation',
  }),
  RANK_PASS_AGREEMENT: env.number({
    default: a.passAgreement,
    min: 0,
    max: 10,
    doc: 'weight of passing alike, relative to liking alike, in the neighbourhood similarity',
  }),
  RANK_CROSS_WEIGHT: env.number({
    default: a.crossWeight,
    min: 0,
    max: 10,
    doc: 'weight of appeal similarity in P(u likes v) and of taste similarity in P(v likes u)',
  }),
  RANK_SHRINKAGE: env.number({
    default: a.shrinkage,
    min: 0.01,
    max: 1000,
    doc: 'pseudo-evidence pulling a neighbourhood rate towards RANK_PRIOR',
  }),
  RANK_PRIOR: env.number({ default: a.prior, min: 0, max: 1, doc: 'neighbourhood rate without evidence' }),
  RANK_RARITY: env.number({
    default: a.rarity ?? 0.5,
    min: 0,
    max: 2,
    doc: 'a shared neighbour counts 1 / |its hop list|^RANK_RARITY in the similarity walks',
  }),
  RANK_REFINE: env.number({
    default: a.refine ?? 0.8,
    min: 0,
    max: 1,
    doc: 'share of the similarities refined over the candidates (0 = walks only)',
  }),
  RANK_CLUSTERS: env.int({
    default: defaultCoClusterConfig.clusters,
    min: 0,
    max: 64,
    doc: 'clusters per side of the co-clustering of tastes and appeals (0 = none)',
  }),
  RANK_CLUSTER_WEIGHT: env.number({
    default: defaultClusterWeight,
    min: 0,
    max: 1,
    doc: 'share of the co-clustering in P(u likes v) and P(v likes u)',
  }),
  RANK_CLUSTER_ITERATIONS: env.int({
    default: defaultCoClusterConfig.iterations,
    min: 1,
    max: 1000,
    doc: 'EM iterations per fit',
  }),
  RANK_CLUSTER_RESTARTS: env.int({
    default: defaultCoClusterConfig.restarts,
    min: 1,
    max: 20,
    doc: 'fits per refit; the likeliest is kept',
  }),
  RANK_CLUSTER_WORKER: env.bool({
    default: true,
    doc: 'fit the co-clustering in a worker thread (false: on the event loop, blocking requests meanwhile)',
  }),
  RANK_CLUSTER_REFIT_MS: env.int({
    default: 30_000,
    min: 10,
    max: 600_000,
    doc: 'the co-clustering is refitted at most once per this interval, when the model table changed',
  }),
  EXPLORE_SHARE: env.number({
    default: 0.1,
    min: 0,
    max: 1,
    doc: 'share of the k slots reserved for new candidates (floor(k × share))',
  }),
  EXPLORE_MIN_RECEIVED: env.int({
    default: 5,
    min: 0,
    doc: 'a candidate is new while it received fewer interactions than this',
  }),
  WS_REFRESH_MS: env.int({
    default: 500,
    min: 50,
    max: 60_000,
    doc: 'WS /ws/recommendations recomputes and pushes at most once per this interval',
  }),
};

export type RecommenderConfig = ConfigOf<typeof recommenderEnv>;

export function learnerConfig(c: RecommenderConfig): LearnerConfig {
  if (c.LEARN_MAX_NORM <= c.LEARN_INIT_SCALE * Math.sqrt(c.LEARN_FACTORS)) {
    throw new ConfigError(['LEARN_MAX_NORM must exceed the norm of the initial vectors']);
  }
  return {
    factors: c.LEARN_FACTORS,
    learningRate: c.LEARN_RATE,
    regularization: c.LEARN_REGULARIZATION,
    biasRegularization: c.LEARN_BIAS_REGULARIZATION,
    priorLogit: c.LEARN_PRIOR_LOGIT,
    initScale: c.LEARN_INIT_SCALE,
    maxNorm: c.LEARN_MAX_NORM,
    maxBias: d.maxBias,
    neighbours: c.LEARN_NEIGHBOURS,
  };
}

export function signalWeights(c: RecommenderConfig): SignalWeights {
  return { message: c.LEARN_WEIGHT_MESSAGE, visit: c.LEARN_WEIGHT_VISIT, unlike: c.LEARN_WEIGHT_UNLIKE };
}

export function rankerConfig(c: RecommenderConfig): RankerConfig {
  return {
    exploreShare: c.EXPLORE_SHARE,
    exploreMinReceived: c.EXPLORE_MIN_RECEIVED,
    neighbourWeight: c.RANK_NEIGHBOUR_WEIGHT,
    clusterWeight: c.RANK_CLUSTERS > 0 ? c.RANK_CLUSTER_WEIGHT : 0,
    affinity: {
      passAgreement: c.RANK_PASS_AGREEMENT,
      crossWeight: c.RANK_CROSS_WEIGHT,
      shrinkage: c.RANK_SHRINKAGE,
      prior: c.RANK_PRIOR,
      rarity: c.RANK_RARITY,
      refine: c.RANK_REFINE,
    },
  };
}

/** The co-clustering's fit (undefined: none, RANK_CLUSTERS=0). */
export function coClusterConfig(c: RecommenderConfig): CoClusterConfig | undefined {
  if (c.RANK_CLUSTERS === 0) return undefined;
  return {
    ...defaultCoClusterConfig,
    clusters: c.RANK_CLUSTERS,
    iterations: c.RANK_CLUSTER_ITERATIONS,
    restarts: c.RANK_CLUSTER_RESTARTS,
  };
}
