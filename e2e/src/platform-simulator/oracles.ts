/**
 * The services' own simulator code the platform simulator reuses, in one place: population
 * parts (anti-spam's texts, segmentation's archetypes and movement, recommender's planted
 * tastes) and the references the figures are judged by (edge-set's batch fold, match-search's
 * brute force, recommender's ranking evaluation, segmentation's ARI and batch k-means). The e2e
 * package is no service: importing their simulator folders is how it stays one definition of
 * each measure.
 */
export {
  hamText,
  replyText,
  type SpammerKind,
  spamText,
} from '../../../services/anti-spam/src/simulator/content.ts';
export type { EdgePage, GraphReader, MatchPage } from '../../../services/edge-set/src/observe.ts';
export type { Comparison } from '../../../services/edge-set/src/oracle.ts';
export { settleOnOracle } from '../../../services/edge-set/src/simulator/settle.ts';
export { applyUserUpdate } from '../../../services/match-search/src/processors/users.ts';
export type { NearbyUser } from '../../../services/match-search/src/search/user-directory.ts';
export {
  bruteForceNearby,
  emptyWorld,
  type World,
} from '../../../services/match-search/src/simulator/oracle.ts';
export type { Ranking } from '../../../services/recommender/src/ranker.ts';
export {
  evaluateRankings,
  type RankingScores,
} from '../../../services/recommender/src/simulator/evaluate.ts';
export {
  candidatesOf,
  likeProbability,
  mutualInterest,
} from '../../../services/recommender/src/simulator/population.ts';
export type { Scored } from '../../../services/recommender/src/top-k.ts';
export { FEATURE_FLOORS, FEATURE_NAMES } from '../../../services/segmentation/src/features.ts';
export { adjustedRandIndex } from '../../../services/segmentation/src/simulator/ari.ts';
export { batchKMeans, standardise } from '../../../services/segmentation/src/simulator/batch-kmeans.ts';
export {
  type Action,
  ARCHETYPES,
  moveBy,
  personalMix,
  pickAction,
} from '../../../services/segmentation/src/simulator/population.ts';
