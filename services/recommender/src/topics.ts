import { edgePairTable, interactions, spamBlockTable, userTable } from '@showcase/contracts';
import { json, type TopicSpec, tableTopic } from '@showcase/goka';
import type { ModelRow } from './model.ts';

/**
 * Topics internal to recommender (cross-service ones live in libs/contracts). Group names carry
 * the service prefix: consumer groups and `<group>-table` topics share one Kafka namespace.
 */
export const groups = {
  learner: 'recommender-learner',
} as const;

export const tables = {
  /** Per user: taste, appeal, biases and counters (processors/learner.ts). */
  model: { name: tableTopic(groups.learner), codec: json<ModelRow>() },
} as const;

/**
 * Every topic the service reads or writes, created up front with one partition count: the
 * learner's input and loop must be co-partitioned, and the views need the contract tables to
 * exist even before their owners (edge-set, match-search, anti-spam) have written anything.
 * Every service of the platform uses the same PARTITIONS.
 */
export function topicSpecs(partitions: number): TopicSpec[] {
  const stream = (name: string): TopicSpec => ({ name, partitions });
  const table = (name: string): TopicSpec => ({ name, partitions, compacted: true });
  return [
    stream(interactions.name),
    stream(`${groups.learner}-loop`),
    table(tables.model.name),
    table(edgePairTable.name),
    table(userTable.name),
    table(spamBlockTable.name),
  ];
}
