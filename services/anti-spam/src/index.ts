export { plainReason } from './block-reason.ts';
export { type AntiSpamConfig, antiSpamEnv, DEFAULT_PORT, detectorConfig } from './config.ts';
export { type DetectorConfig, defaultDetectorConfig, features, score } from './features.ts';
export { type InboxViews, readInbox } from './inbox.ts';
export type * from './model.ts';
export { blockerGroup } from './processors/blocker.ts';
export { collectorGroup } from './processors/collector.ts';
export { detectorGroup } from './processors/detector.ts';
export { filterGroup } from './processors/filter.ts';
export type {
  AntiSpamDeps,
  AntiSpamEmitters,
  AntiSpamTables,
  AntiSpamViews,
  AntiSpamWrites,
} from './routes/deps.ts';
export { type AntiSpam, type AntiSpamOptions, antiSpam, createAntiSpam } from './service.ts';
export { deliveries, groups, type Report, reports, tables, topicSpecs, writes } from './topics.ts';
