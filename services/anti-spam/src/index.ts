export { type AntiSpam, type AntiSpamOptions, createAntiSpam } from './app.ts';
export { type AntiSpamConfig, antiSpamEnv, DEFAULT_PORT, detectorConfig } from './config.ts';
export { type DetectorConfig, defaultDetectorConfig, features, score } from './features.ts';
export type * from './model.ts';
export { blockerGroup } from './processors/blocker.ts';
export { collectorGroup } from './processors/collector.ts';
export { detectorGroup } from './processors/detector.ts';
export { filterGroup } from './processors/filter.ts';
export { deliveries, groups, type Report, reports, tables, topicSpecs } from './topics.ts';
