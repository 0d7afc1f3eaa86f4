import { edgePairTable, interactions, matchEvents } from '@showcase/contracts';
import { json, type TopicSpec, tableTopic } from '@showcase/goka';
import type {
  IndexEntry,
  IndexUpdate,
  Notification,
  NotificationRow,
  PairCommand,
  PairRow,
} from './model.ts';

/**
 * Topics internal to edge-set (cross-service ones live in libs/contracts). Group names carry the
 * service prefix: consumer groups and `<group>-table` topics share one Kafka namespace.
 */
export const groups = {
  /** Per ordered pair: edges both ways and the match (the contract's pair table). */
  pairs: 'edge-set-pairs',
  /** The list index: one row per (user, direction, type, other) edge and per match. */
  index: 'edge-set-index',
  /** Per user: the latest notification, pushed on /ws/notifications. */
  notifier: 'edge-set-notifier',
} as const;

/** Index upserts/removals from the pair rows; key = index key (see index-keys.ts). */
export const indexUpdates = {
  name: 'edge-set-index-updates',
  key: 'index key',
  codec: json<IndexUpdate>(),
} as const;

/** Notifications for a user; key = the user they are for. */
export const notifications = {
  name: 'edge-set-notifications',
  key: 'user id the notification is for',
  codec: json<Notification>(),
} as const;

export const pairLoop = { name: `${groups.pairs}-loop`, codec: json<PairCommand>() } as const;

export const tables = {
  pairs: { name: edgePairTable.name, codec: json<PairRow>() },
  index: { name: tableTopic(groups.index), codec: json<IndexEntry>() },
  notifications: { name: tableTopic(groups.notifier), codec: json<NotificationRow>() },
} as const;

if (edgePairTable.name !== tableTopic(groups.pairs)) {
  throw new Error(`contract ${edgePairTable.name} must be the table of group ${groups.pairs}`);
}

/**
 * Every topic the service reads or writes, created up front with one partition count (a broker
 * without auto-creation; co-partitioning of inputs, loops and tables).
 */
export function topicSpecs(partitions: number): TopicSpec[] {
  const stream = (name: string): TopicSpec => ({ name, partitions });
  const table = (name: string): TopicSpec => ({ name, partitions, compacted: true });
  return [
    stream(interactions.name),
    stream(matchEvents.name),
    stream(indexUpdates.name),
    stream(notifications.name),
    stream(pairLoop.name),
    ...Object.values(groups).map((g) => table(tableTopic(g))),
  ];
}
