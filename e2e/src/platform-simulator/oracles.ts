/**
 * The services' own simulator code the platform simulator reuses, in one place: population
 * parts (anti-spam's texts, segmentation's archetypes and movement, recommender's planted
 * tastes) and the references the figures are judged by (edge-set's batch fold, match-search's
 * brute force, recommender's ranking evaluation, segmentation's ARI and batch k-means). The e2e
 * package is no service: importing their `sim` entries is how it stays one definition of
 * each measure.
 */
export { hamText, replyText, type SpammerKind, spamText } from '@showcase/anti-spam/sim';
export type { Comparison, EdgePage, GraphReader, MatchPage } from '@showcase/edge-set/sim';
export { settleOnOracle } from '@showcase/edge-set/sim';
export { applyUserUpdate, type NearbyUser } from '@showcase/match-search';
export { bruteForceNearby, emptyWorld, type World } from '@showcase/match-search/sim';
export type { Ranking, Scored } from '@showcase/recommender';
export {
  candidatesOf,
  evaluateRankings,
  likeProbability,
  mutualInterest,
  type RankingScores,
} from '@showcase/recommender/sim';
export { FEATURE_FLOORS, FEATURE_NAMES } from '@showcase/segmentation';
export {
  type Action,
  ARCHETYPES,
  adjustedRandIndex,
  batchKMeans,
  moveBy,
  personalMix,
  pickAction,
  standardise,
} from '@showcase/segmentation/sim';
