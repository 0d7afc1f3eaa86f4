import type { ServiceDeps } from '@showcase/service-kit';
import type { segmentationEnv } from '../config.ts';
import type { FeatureState } from '../features.ts';
import type { ModelState } from '../model/state.ts';
import type { LabelVote } from '../topics.ts';

/** The tables segmentation's routes read, by view name. */
export interface SegmentationTables {
  readonly features: FeatureState;
  readonly model: ModelState;
}

/** The topics segmentation's routes write, by emitter name. */
export interface SegmentationWrites {
  readonly labels: LabelVote;
}

/** What every segmentation route plugin receives (service.ts builds it from the definition). */
export type SegmentationDeps = ServiceDeps<typeof segmentationEnv, SegmentationTables, SegmentationWrites>;
export type SegmentationViews = SegmentationDeps['views'];
export type SegmentationEmitters = SegmentationDeps['emitters'];
