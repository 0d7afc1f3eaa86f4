import type { BlockEvent, BlockState, MessageSent } from '@showcase/contracts';
import type { ServiceDeps } from '@showcase/service-kit';
import type { antiSpamEnv } from '../config.ts';
import type { DetectorState, FilterStats, InboxHead, InboxMessage } from '../model.ts';
import type { Report } from '../topics.ts';

/** The tables anti-spam's routes read, by view name. */
export interface AntiSpamTables {
  /** Per user: total delivered and the last ids (the collector's table). */
  readonly inbox: InboxHead;
  /** Per message: `<user>|<seq>` rows of anti-spam-inbox. */
  readonly inboxEntries: InboxMessage;
  readonly blocks: BlockState;
  readonly detector: DetectorState;
  readonly filter: FilterStats;
}

/** The topics anti-spam's routes write, by emitter name. */
export interface AntiSpamWrites {
  readonly messages: MessageSent;
  readonly blocks: BlockEvent;
  readonly reports: Report;
}

/** What every anti-spam route plugin receives (service.ts builds it from the definition). */
export type AntiSpamDeps = ServiceDeps<typeof antiSpamEnv, AntiSpamTables, AntiSpamWrites>;
export type AntiSpamViews = AntiSpamDeps['views'];
export type AntiSpamEmitters = AntiSpamDeps['emitters'];
