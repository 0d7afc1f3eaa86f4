import { messagesSent, spamBlockEvents, spamBlockTable } from '@showcase/contracts';
import { json, type TopicSpec, tableTopic } from '@showcase/goka';
import type {
  DestinationEvent,
  DestinationState,
  DestinationVerdict,
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
} as const;

if (tables.blocker.name !== tableTopic(groups.blocker)) {
  throw new Error(`contract ${spamBlockTable.name} must be the table of group ${groups.blocker}`);
}

/**
 * Every topic the service reads, so that a broker without auto-creation gets them up front
 * with one partition count (co-partitioning: inputs, joined tables and loops must agree).
 */
export function topicSpecs(partitions: number): TopicSpec[] {
  const stream = (name: string): TopicSpec => ({ name, partitions });
  const table = (name: string): TopicSpec => ({ name, partitions, compacted: true });
  return [
    stream(messagesSent.name),
    stream(spamBlockEvents.name),
    stream(reports.name),
    stream(deliveries.name),
    stream(destinationEvents.name),
    stream(destinationVerdicts.name),
    stream(`${groups.detector}-loop`),
    table(inboxEntries.name),
    ...Object.values(groups).map((g) => table(tableTopic(g))),
  ];
}
