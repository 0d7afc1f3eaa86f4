export { type CandidateIndex, createCandidateIndex, ScanIndex } from './candidate-index.ts';
export { recommenderEnv } from './config.ts';
export { createMirrors, type Mirrors } from './mirrors.ts';
export * from './model.ts';
export { type ModelStats, modelStats } from './model-stats.ts';
export { type LearnerLoop, learnerGroup } from './processors/learner.ts';
export { harmonicMean, Ranker, type Ranking, type RankQuery, rankings } from './ranker.ts';
export type { RecommenderContext, RecommenderDeps, RecommenderTables } from './routes/deps.ts';
export { incompleteProfile } from './routes/recommendations.ts';
export {
  createRecommender,
  type Recommender,
  type RecommenderOptions,
  recommender,
  recommenderService,
} from './service.ts';
export { defaultSignalWeights, signalOf } from './signals.ts';
export type { Scored } from './top-k.ts';
export { groups, tables } from './topics.ts';
