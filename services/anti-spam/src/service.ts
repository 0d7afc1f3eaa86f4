import {
  type BuiltService,
  buildService,
  defineService,
  processed,
  type ServiceHost,
} from '@showcase/service-kit';
import { antiSpamEnv, DEFAULT_PORT, detectorConfig } from './config.ts';
import { blockerGroup } from './processors/blocker.ts';
import { collectorGroup } from './processors/collector.ts';
import { destinationsGroup } from './processors/destinations.ts';
import { detectorGroup } from './processors/detector.ts';
import { filterGroup } from './processors/filter.ts';
import type { AntiSpamTables, AntiSpamWrites } from './routes/deps.ts';
import { inboxRoutes } from './routes/inbox.ts';
import { messageRoutes } from './routes/messages.ts';
import { moderationRoutes } from './routes/moderation.ts';
import { reportRoutes } from './routes/reports.ts';
import { spamRoutes } from './routes/spam.ts';
import { inboxEntries, tables, writes } from './topics.ts';

/**
 * anti-spam, declared: five groups (detector → blocker → filter → collector, destinations),
 * five views, three emitters, five resources. Every topic it touches is derived from these.
 * Failure policies are service-kit's default: dead-letter for groups reading other services'
 * topics (`messages-sent`), fail for groups reading only anti-spam's own.
 */
export const antiSpam = defineService({
  name: 'anti-spam',
  port: DEFAULT_PORT,
  description: 'Detects spammers and scammers; delivers the messages of everyone else to inboxes',
  env: antiSpamEnv,
  groups: (config) => ({
    blocker: processed(blockerGroup()),
    filter: processed(filterGroup()),
    collector: processed(collectorGroup(config.INBOX_SIZE)),
    destinations: processed(destinationsGroup()),
    detector: processed(detectorGroup(detectorConfig(config))),
  }),
  views: () => ({
    inbox: tables.inbox,
    inboxEntries,
    blocks: tables.blocker,
    detector: tables.detector,
    filter: tables.filter,
  }),
  emitters: () => writes,
  routes: [messageRoutes, inboxRoutes, spamRoutes, moderationRoutes, reportRoutes],
});

export type AntiSpamOptions = ServiceHost;
export type AntiSpam = BuiltService<
  typeof antiSpamEnv,
  AntiSpamTables,
  AntiSpamWrites,
  'blocker' | 'filter' | 'collector' | 'destinations' | 'detector'
>;

/** The whole service on a given cluster (tests, benches); `service.start()` runs it. */
export const createAntiSpam = (options: AntiSpamOptions): Promise<AntiSpam> =>
  buildService(antiSpam, options);
