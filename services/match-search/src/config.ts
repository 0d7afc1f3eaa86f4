import { resolve } from 'node:path';
import { env } from '@showcase/service-kit';

export const DEFAULT_PORT = 4102;

/** match-search's own variables (PORT, HOST, AUTH_SECRET, LOG_LEVEL, … come from service-kit). */
export const matchSearchEnv = {
  KAFKA_BROKERS: env.list({
    doc: 'Kafka bootstrap servers host:port,…; required unless NODE_ENV=development (in-memory cluster)',
    item: /^[^\s:]+:\d{1,5}$/,
    itemText: 'host:port',
  }),
  DATA_DIR: env.string({
    default: resolve(import.meta.dirname, '..', '..', '..', '.data', 'match-search'),
    doc: 'local table state (LevelDB per table partition)',
  }),
  PARTITIONS: env.int({ default: 4, min: 1, max: 256, doc: 'partitions of the topics this service creates' }),
  GRID_CELL_DEG: env.number({
    default: 0.25,
    min: 0.01,
    max: 90,
    doc: 'cell edge of the in-memory geo grid in degrees (see libs/geo README for the trade-off)',
  }),
};
