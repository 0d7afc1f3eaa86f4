/**
 * What other packages reuse of the recommender simulator (the platform simulator): planted tastes
 * and the ranking evaluation. `@showcase/recommender/sim`; not part of the service's build: sim/
 * runs from sources only.
 */
export { evaluateRankings, type RankingScores } from './evaluate.ts';
export { candidatesOf, likeProbability, mutualInterest } from './population.ts';
