/**
 * What other packages reuse of the segmentation simulator (the platform simulator): archetypes and
 * movement, ARI and batch k-means. `@showcase/segmentation/sim`; not part of the service's build:
 * sim/ runs from sources only.
 */
export { adjustedRandIndex } from './ari.ts';
export { batchKMeans, standardise } from './batch-kmeans.ts';
export { type Action, ARCHETYPES, moveBy, personalMix, pickAction } from './population.ts';
