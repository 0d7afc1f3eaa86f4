export { createRecommender, type Recommender, type RecommenderOptions } from './app.ts';
export { type CandidateIndex, createCandidateIndex, ScanIndex } from './candidate-index.ts';
export { recommenderEnv } from './config.ts';
export * from './model.ts';
export { type LearnerLoop, learnerGroup } from './processors/learner.ts';
export { harmonicMean, Ranker, type Ranking, type RankQuery, rankings } from './ranker.ts';
export { defaultSignalWeights, signalOf } from './signals.ts';
export { groups, tables, topicSpecs } from './topics.ts';
