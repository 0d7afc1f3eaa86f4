import { resolve } from 'node:path';
import { type ConfigOf, env } from '@showcase/service-kit';

export const DEFAULT_PORT = 4103;

/** edge-set's own variables (the shared ones — PORT, HOST, AUTH_SECRET, … — come from service-kit). */
export const edgeSetEnv = {
  KAFKA_BROKERS: env.list({
    doc: 'Kafka bootstrap servers host:port,…; required unless NODE_ENV=development (in-memory cluster)',
    item: /^[^\s:]+:\d{1,5}$/,
    itemText: 'host:port',
  }),
  DATA_DIR: env.string({
    default: resolve(import.meta.dirname, '..', '..', '..', '.data', 'edge-set'),
    doc: 'local table state (LevelDB per table partition)',
  }),
  PARTITIONS: env.int({ default: 4, min: 1, max: 256, doc: 'partitions of the topics this service creates' }),
  GUARANTEE: env.oneOf(['exactly-once', 'at-least-once'] as const, {
    default: 'exactly-once',
    doc: 'processing guarantee of the groups; exactly-once applies each interaction once also after a crash',
  }),
};

export type EdgeSetConfig = ConfigOf<typeof edgeSetEnv>;
