import {
  createService,
  ensureTopicsReady,
  hostOf,
  type Service,
  type ServiceHost,
} from '@showcase/service-kit';
import { registerRoutes, type SegmentationEmitters, type SegmentationViews } from './api.ts';
import { DEFAULT_PORT, featureConfig, modelConfig, segmentationEnv } from './config.ts';
import { featuresGroup } from './processors/features.ts';
import { modelGroup } from './processors/model.ts';
import { labels, tables, topicSpecs } from './topics.ts';

export type SegmentationOptions = ServiceHost;

export interface Segmentation {
  readonly service: Service<typeof segmentationEnv>;
  readonly views: SegmentationViews;
  readonly emitters: SegmentationEmitters;
}

/** The whole service on a given cluster: groups, views, emitters, routes. main.ts runs it. */
export async function createSegmentation(options: SegmentationOptions): Promise<Segmentation> {
  const service = await createService({
    name: 'segmentation',
    port: DEFAULT_PORT,
    description: 'Learns and predicts the segment of users from every service’s events, online',
    config: segmentationEnv,
    ...hostOf(options),
  });
  const config = service.config;
  // Topics first: on a broker without auto-creation every group needs its inputs and tables.
  service.onStart(() => ensureTopicsReady(options.cluster, topicSpecs(config.PARTITIONS)));
  service.processor(modelGroup(modelConfig(config)));
  service.processor(featuresGroup(featureConfig(config)));
  const views: SegmentationViews = {
    features: service.view(tables.features),
    model: service.view(tables.model),
  };
  const emitters: SegmentationEmitters = { labels: service.emitter(labels) };
  registerRoutes(service, { views, emitters });
  return { service, views, emitters };
}
