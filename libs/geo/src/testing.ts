/** Seeded test data shared by the index's, match-search's and recommender's property tests. */

export { Random } from '@showcase/simkit';
export { edgeCasePosition, queryRadius } from './edge-positions.ts';
