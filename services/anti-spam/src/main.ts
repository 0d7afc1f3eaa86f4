/**
 * anti-spam as a process: `npm start -w services/anti-spam` (or `tsx src/main.ts`).
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
import { ConfigError, createLogger, kafkaLogger, loadConfig } from '@showcase/service-kit';
import { createAntiSpam } from './app.ts';
import { antiSpamEnv } from './config.ts';

async function main(): Promise<void> {
  const config = loadConfig(antiSpamEnv);
  const development = process.env.NODE_ENV === 'development';
  const logger = createLogger('anti-spam');
  let cluster: Cluster;
  let storage: (component: string) => Storage;
  if (config.KAFKA_BROKERS) {
    cluster = kafkaCluster({
      brokers: config.KAFKA_BROKERS,
      clientId: 'anti-spam',
      logger: kafkaLogger(logger),
    });
    storage = (component) => levelStorage({ path: join(config.DATA_DIR, component) });
  } else if (development) {
    logger.warn('KAFKA_BROKERS is not set: running on an in-memory cluster (NODE_ENV=development)');
    cluster = memoryCluster({ partitions: config.PARTITIONS });
    storage = () => memoryStorage();
  } else {
    throw new ConfigError(['KAFKA_BROKERS is required (host:port,…), unless NODE_ENV=development']);
  }
  const { service } = await createAntiSpam({ cluster, storage, logger });
  service.onStop(() => cluster.close());
  await service.run();
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`anti-spam: ${error.message}`);
  else console.error('anti-spam failed to start:', error);
  process.exit(1);
});
