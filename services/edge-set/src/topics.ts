import { edgePairTable, interactions, matchEvents } from '@showcase/contracts';
import { json, loopTopic, tableTopic } from '@showcase/goka';
import type {
  IndexEntry,
  IndexUpdate,
  Notification,
  NotificationRow,
  PairCommand,
  PairRow,
} from './model.ts';

/**
 * Every topic and group name of edge-set. The service runs `edgeSetTopology` (the contract's
 * names); `topology(prefix)` gives a benchmark or test its own copies of all of them on a shared
 * broker. Group names carry the service prefix: consumer groups and `<group>-table` topics share
 * one Kafka namespace with the other services.
 */
export function topology(prefix = '') {
  const groups = {
    /** Per ordered pair: edges both ways and the match (the contract's pair table). */
    pairs: `${prefix}edge-set-pairs`,
    /** The list index: one row per (user, direction, type, other) edge and per match. */
    index: `${prefix}edge-set-index`,
    /** Per user: the latest notification, pushed on /ws/notifications. */
    notifier: `${prefix}edge-set-notifier`,
  } as const;
  const t = {
    prefix,
    groups,
    /** Input: every accepted interaction, keyed by the actor (libs/contracts). */
    interactions: { name: `${prefix}${interactions.name}`, codec: interactions.codec },
    /** Output: new-match / match-ended per user (libs/contracts). */
    matchEvents: { name: `${prefix}${matchEvents.name}`, codec: matchEvents.codec },
    /** Index upserts/removals from the pair rows; key = index key (see index-keys.ts). */
    indexUpdates: { name: `${prefix}edge-set-index-updates`, codec: json<IndexUpdate>() },
    /** Notifications for a user; key = the user they are for. */
    notifications: { name: `${prefix}edge-set-notifications`, codec: json<Notification>() },
    pairLoop: { name: loopTopic(groups.pairs), codec: json<PairCommand>() },
    tables: {
      pairs: { name: tableTopic(groups.pairs), codec: json<PairRow>() },
      index: { name: tableTopic(groups.index), codec: json<IndexEntry>() },
      notifications: { name: tableTopic(groups.notifier), codec: json<NotificationRow>() },
    },
  } as const;
  return t;
}

export type Topology = ReturnType<typeof topology>;

/** The service's names: the contract's topics and `edge-set-pairs-table`. */
export const edgeSetTopology: Topology = topology();
export const { groups, indexUpdates, notifications, pairLoop, tables } = edgeSetTopology;

if (edgePairTable.name !== tables.pairs.name) {
  throw new Error(`contract ${edgePairTable.name} must be the table of group ${groups.pairs}`);
}
