import { json, tableTopic } from '@showcase/goka';
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
