export { createSegmentation, type Segmentation, type SegmentationOptions } from './app.ts';
export {
  DEFAULT_PORT,
  featureConfig,
  modelConfig,
  type SegmentationConfig,
  segmentationEnv,
} from './config.ts';
export * from './features.ts';
export { cloneModel, learn, type ModelPoint, vote } from './model/learn.ts';
export * from './model/state.ts';
export { featuresGroup, memoizedJson } from './processors/features.ts';
export { modelGroup } from './processors/model.ts';
export {
  defaultTopology,
  type FeatureLoop,
  groups,
  type LabelVote,
  labels,
  MODEL_KEY,
  points,
  type Topology,
  tables,
  topicSpecs,
} from './topics.ts';
