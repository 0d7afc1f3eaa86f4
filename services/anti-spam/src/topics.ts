import { messagesSent, spamBlockEvents, spamBlockTable } from '@showcase/contracts';
import { json, type TopicSpec, tableTopic } from '@showcase/goka';
import type {
  DestinationEvent,
  DestinationState,
  DestinationVerdict,
  DetectorState,
  FilterStats,
  InboxHead,
  InboxMessage,
} from './model.ts';

/**
 * Topics internal to anti-spam (cross-service ones live in libs/contracts). Group names carry
 * the service prefix: consumer groups and `<group>-table` topics share one Kafka namespace with
 * the other services.
 */
export const groups = {
  detector: 'anti-spam-detector',
  blocker: 'anti-spam-blocker',
  filter: 'anti-spam-filter',
  collector: 'anti-spam-collector',
  destinations: 'anti-spam-destinations',
} as const;

/** A user's report about another user; key = the reported user. */
export interface Report {
  readonly id: string;
  readonly user: string;
  readonly by: string;
  readonly reason: string;
  readonly at: number;
}

export const reports = {
  name: 'anti-spam-reports',
  key: 'reported user id',
  codec: json<Report>(),
} as const;

/** The detector's record of a sender using a destination (or being blocked); key = destination. */
export const destinationEvents = {
  name: 'anti-spam-destination-events',
  key: 'normalised destination (domain, phone digits, e-mail address)',
  codec: json<DestinationEvent>(),
} as const;

/** A destination's reputation, sent back to a sender who used it; key = sender. */
export const destinationVerdicts = {
  name: 'anti-spam-destination-verdicts',
  key: 'sender user id',
  codec: json<DestinationVerdict>(),
} as const;

/** Messages that passed the filter, re-keyed by recipient; key = recipient. */
export const deliveries = {
  name: 'anti-spam-deliveries',
  key: 'recipient user id',
  codec: messagesSent.codec,
} as const;

/**
 * One row per delivered message, key `<user>|<seq>` (`inboxEntryKey`), written by the
 * collector; the oldest beyond INBOX_SIZE is deleted (tombstone). Compacted, so the topic holds
 * at most INBOX_SIZE rows per user. Read by a view with a key range per user.
 */
export const inboxEntries = {
  name: 'anti-spam-inbox',
  key: '<recipient>|<seq, 12 digits>',
  codec: json<InboxMessage>(),
} as const;

export const tables = {
  inbox: { name: tableTopic(groups.collector), codec: json<InboxHead>() },
  filter: { name: tableTopic(groups.filter), codec: json<FilterStats>() },
  blocker: spamBlockTable,
  destinations: { name: tableTopic(groups.destinations), codec: json<DestinationState>() },
  detector: { name: tableTopic(groups.detector), codec: json<DetectorState>() },
} as const;

if (tables.blocker.name !== tableTopic(groups.blocker)) {
  throw new Error(`contract ${spamBlockTable.name} must be the table of group ${groups.blocker}`);
}

/**
 * The streams anti-spam's HTTP writes go to (its emitters, by the name the routes use): messages
 * from users, moderators' block events, users' reports.
 */
export const writes = { messages: messagesSent, blocks: spamBlockEvents, reports } as const;

/**
 * The streams anti-spam's own writes go to, for a bench that produces to them before any
 * service runs. The service itself creates every topic it touches, derived from its definition
 * (service.ts, service-kit `definitionTopics`).
 */
export function topicSpecs(partitions: number): TopicSpec[] {
  return Object.values(writes).map(({ name }) => ({ name, partitions }));
}
