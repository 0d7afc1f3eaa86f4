/** Seeded test data shared by the index's, match-search's and recommender's property tests. */
export { edgeCasePosition, queryRadius } from './edge-positions.ts';
export { Random } from './random.ts';
