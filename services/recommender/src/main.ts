/**
 * recommender as a process: `npm start -w services/recommender` (or `tsx src/main.ts`).
 * Kafka from KAFKA_BROKERS, table state under DATA_DIR; SIGTERM stops it gracefully (exit 0).
 * With NODE_ENV=development and no KAFKA_BROKERS it runs on an in-memory cluster (state is lost
 * on exit) — handy for trying the API without a broker.
 */
import { join } from 'node:path';
import {
  type Cluster,
  kafkaCluster,
  levelStorage,
  memoryCluster,
  memoryStorage,
  type Storage,
} from '@showcase/goka';
import { ConfigError, createLogger, loadConfig } from '@showcase/service-kit';
import { createRecommender } from './app.ts';
import { recommenderEnv } from './config.ts';

async function main(): Promise<void> {
  const config = loadConfig(recommenderEnv);
  const development = process.env.NODE_ENV === 'development';
  const logger = createLogger('recommender');
  let cluster: Cluster;
  let storage: (component: string) => Storage;
  if (config.KAFKA_BROKERS) {
    cluster = kafkaCluster({ brokers: config.KAFKA_BROKERS, clientId: 'recommender', logger });
    storage = (component) => levelStorage({ path: join(config.DATA_DIR, component) });
  } else if (development) {
    logger.warn('KAFKA_BROKERS is not set: running on an in-memory cluster (NODE_ENV=development)');
    cluster = memoryCluster({ partitions: config.PARTITIONS });
    storage = () => memoryStorage();
  } else {
    throw new ConfigError(['KAFKA_BROKERS is required (host:port,…), unless NODE_ENV=development']);
  }
  const { service } = await createRecommender({ cluster, storage, logger });
  service.onStop(() => cluster.close());
  await service.run();
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`recommender: ${error.message}`);
  else console.error('recommender failed to start:', error);
  process.exit(1);
});
