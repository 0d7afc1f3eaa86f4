import {
  type BuiltService,
  buildService,
  defineService,
  processed,
  type ServiceHost,
} from '@showcase/service-kit';
import { DEFAULT_PORT, featureConfig, modelConfig, segmentationEnv } from './config.ts';
import { featuresGroup } from './processors/features.ts';
import { modelGroup } from './processors/model.ts';
import type { SegmentationTables, SegmentationWrites } from './routes/deps.ts';
import { labelRoutes } from './routes/labels.ts';
import { segmentRoutes } from './routes/segments.ts';
import { userSegmentRoutes } from './routes/user-segment.ts';
import { labels, tables } from './topics.ts';

/**
 * segmentation, declared: two groups (features → model), two views, one emitter, three
 * resources. Every topic it touches — the other services' event streams it reads included, for
 * a broker where their owners have not started yet — is derived from these.
 */
export const segmentation = defineService({
  name: 'segmentation',
  port: DEFAULT_PORT,
  description: 'Learns and predicts the segment of users from every service’s events, online',
  env: segmentationEnv,
  groups: (config) => ({
    model: processed(modelGroup(modelConfig(config))),
    features: processed(featuresGroup(featureConfig(config))),
  }),
  views: () => ({ features: tables.features, model: tables.model }),
  emitters: () => ({ labels }),
  routes: [userSegmentRoutes, segmentRoutes, labelRoutes],
});

export type SegmentationOptions = ServiceHost;
export type Segmentation = BuiltService<
  typeof segmentationEnv,
  SegmentationTables,
  SegmentationWrites,
  'model' | 'features'
>;

/** The whole service on a given cluster (tests, simulators); `service.start()` runs it. */
export const createSegmentation = (options: SegmentationOptions): Promise<Segmentation> =>
  buildService(segmentation, options);
