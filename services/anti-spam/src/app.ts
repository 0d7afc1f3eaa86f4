import { messagesSent, spamBlockEvents } from '@showcase/contracts';
import { json, tableTopic } from '@showcase/goka';
import {
  createService,
  ensureTopicsReady,
  hostOf,
  type Service,
  type ServiceHost,
} from '@showcase/service-kit';
import { type AntiSpamEmitters, type AntiSpamViews, registerRoutes } from './api.ts';
import { antiSpamEnv, DEFAULT_PORT, detectorConfig } from './config.ts';
import type { DetectorState } from './model.ts';
import { blockerGroup } from './processors/blocker.ts';
import { collectorGroup } from './processors/collector.ts';
import { destinationsGroup } from './processors/destinations.ts';
import { detectorGroup } from './processors/detector.ts';
import { filterGroup } from './processors/filter.ts';
import { groups, inboxEntries, reports, tables, topicSpecs } from './topics.ts';

export type AntiSpamOptions = ServiceHost;

export interface AntiSpam {
  readonly service: Service<typeof antiSpamEnv>;
  readonly views: AntiSpamViews;
  readonly emitters: AntiSpamEmitters;
}

/** The whole service on a given cluster: groups, views, emitters, routes. main.ts runs it. */
export async function createAntiSpam(options: AntiSpamOptions): Promise<AntiSpam> {
  const service = await createService({
    name: 'anti-spam',
    port: DEFAULT_PORT,
    description: 'Detects spammers and scammers; delivers the messages of everyone else to inboxes',
    config: antiSpamEnv,
    ...hostOf(options),
  });
  const config = service.config;
  const detector = detectorConfig(config);
  // Topics first: on a broker without auto-creation every group needs its inputs and tables.
  service.onStart(() => ensureTopicsReady(options.cluster, topicSpecs(config.PARTITIONS)));

  service.processor(blockerGroup());
  service.processor(filterGroup());
  service.processor(collectorGroup(config.INBOX_SIZE));
  service.processor(destinationsGroup());
  service.processor(detectorGroup(detector));

  const views: AntiSpamViews = {
    inbox: service.view(tables.inbox),
    inboxEntries: service.view(inboxEntries),
    blocks: service.view(tables.blocker),
    detector: service.view({ name: tableTopic(groups.detector), codec: json<DetectorState>() }),
    filter: service.view(tables.filter),
  };
  const emitters: AntiSpamEmitters = {
    messages: service.emitter(messagesSent),
    blocks: service.emitter(spamBlockEvents),
    reports: service.emitter(reports),
  };
  registerRoutes(service, { views, emitters, inboxSize: config.INBOX_SIZE });
  return { service, views, emitters };
}
