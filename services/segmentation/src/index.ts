export {
  DEFAULT_PORT,
  featureConfig,
  modelConfig,
  type SegmentationConfig,
  segmentationEnv,
} from './config.ts';
export * from './features.ts';
export { currentSegment } from './model/current-segment.ts';
export { cloneModel, learn, type ModelPoint, vote } from './model/learn.ts';
export * from './model/state.ts';
export { featuresGroup, memoizedJson } from './processors/features.ts';
export { modelGroup } from './processors/model.ts';
export type {
  SegmentationDeps,
  SegmentationEmitters,
  SegmentationTables,
  SegmentationViews,
  SegmentationWrites,
} from './routes/deps.ts';
export {
  createSegmentation,
  type Segmentation,
  type SegmentationOptions,
  segmentation,
} from './service.ts';
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
} from './topics.ts';
