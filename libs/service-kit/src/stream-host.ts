import { join, resolve } from 'node:path';
import {
  type Cluster,
  kafkaCluster,
  levelStorage,
  memoryCluster,
  memoryStorage,
  type Storage,
} from '@showcase/goka';
import type { Logger } from 'pino';
import { ConfigError, type ConfigOf, env } from './config.ts';
import { kafkaLogger } from './logger.ts';

/**
 * The variables every stream service's `main` reads (docs/contracts.md): where Kafka is, where table
 * state lives, how many partitions the topics it creates get. Spread into a service's env spec.
 */
export function streamEnvSpec(service: string) {
  return {
    KAFKA_BROKERS: env.list({
      doc: 'Kafka bootstrap servers host:port,…; required unless NODE_ENV=development (in-memory cluster)',
      item: /^[^\s:]+:\d{1,5}$/,
      itemText: 'host:port',
    }),
    DATA_DIR: env.string({
      default: resolve(import.meta.dirname, '..', '..', '..', '.data', service),
      doc: 'local table state (LevelDB per table partition)',
    }),
    PARTITIONS: env.int({
      default: 4,
      min: 1,
      max: 256,
      doc: 'partitions of the topics this service creates',
    }),
    LEVEL_WRITE_BUFFER_BYTES: env.int({
      default: 2 * 2 ** 20,
      min: 0,
      max: 256 * 2 ** 20,
      doc: "LevelDB memtable size of each table partition store (0: LevelDB's 4 MiB). A service holds up to two a store (tables x partitions, views included), filled by its writes: anti-spam's 44 stores at 4 MiB could take 350 MiB, so services default to 2 MiB",
    }),
    LEVEL_CACHE_BYTES: env.int({
      default: 2 * 2 ** 20,
      min: 0,
      max: 1024 * 2 ** 20,
      doc: "LevelDB block cache of each table partition store (0: LevelDB's 8 MiB), filled by reads of flushed data; hot rows live in goka's value cache above it, so services default to 2 MiB",
    }),
    KAFKA_REPLICATION_FACTOR: env.int({
      default: 0,
      min: 0,
      max: 16,
      doc: 'copies of each topic this service creates; 0: 3 on a cluster of >= 3 brokers, else the broker count',
    }),
    KAFKA_MIN_INSYNC_REPLICAS: env.int({
      default: 0,
      min: 0,
      max: 16,
      doc: 'min.insync.replicas of each topic this service creates (writes are acks=all); 0: 2 from 3 copies up, else 1',
    }),
    KAFKA_PRODUCER: env.oneOf(['kafkajs', 'platformatic'], {
      default: 'kafkajs',
      doc: "client of processors' producers (at-least-once and exactly-once transactions): kafkajs, or @platformatic/kafka (about twice the produce rate; libs/goka README); emitters follow KAFKA_EMITTER_PRODUCER; consumers stay on kafkajs",
    }),
    KAFKA_EMITTER_PRODUCER: env.oneOf(['kafkajs', 'platformatic'], {
      default: 'kafkajs',
      doc: 'client of emitters only (an HTTP write waits for its emit\'s produce round trip): kafkajs, or @platformatic/kafka; processors keep KAFKA_PRODUCER (libs/goka README "Producer client")',
    }),
    KAFKA_FETCH_MAX_WAIT_MS: env.int({
      default: 500,
      min: 10,
      max: 30_000,
      doc: "longest a group member's fetch waits for new records; longer waits cut an idle platform's CPU (0.31 → 0.22 cores at 3000 in bench/README.md) while a resume, seek or stop may wait that long",
    }),
    KAFKA_READER_FETCH_MAX_WAIT_MS: env.int({
      default: 250,
      min: 10,
      max: 30_000,
      doc: 'the same for table readers (views, table recovery, joined tables, standbys)',
    }),
    PROCESSING_SLICE_MS: env.int({
      default: 5,
      min: 0,
      max: 10_000,
      doc: "longest a processor's partition works through a fetched batch before HTTP requests and other work get a turn (goka's sliceMs); 0: never inside a batch",
    }),
    KAFKA_READER: env.oneOf(['kafkajs', 'platformatic'], {
      default: 'kafkajs',
      doc: 'client of table readers (views, table recovery, standbys): kafkajs, or @platformatic/kafka (a 1M-key view recovers faster in about 0.6x the memory; libs/goka README "Reader client"); group consumers stay on kafkajs',
    }),
  };
}

type StreamConfig = ConfigOf<ReturnType<typeof streamEnvSpec>>;

/** Where a stream service runs: the cluster and a store per component. */
export interface StreamHost {
  readonly cluster: Cluster;
  readonly storage: (component: string) => Storage;
}

/**
 * Kafka from KAFKA_BROKERS (kafkajs logging at warn, through the service's logger), table state
 * under DATA_DIR. With NODE_ENV=development and no KAFKA_BROKERS an in-memory cluster (state is
 * lost on exit) — for trying the API without a broker.
 */
export function streamHost(
  name: string,
  config: StreamConfig & { readonly NODE_ENV: string },
  logger: Logger,
): StreamHost {
  if (config.KAFKA_BROKERS) {
    return {
      cluster: kafkaCluster({
        brokers: config.KAFKA_BROKERS,
        clientId: name,
        logger: kafkaLogger(logger),
        producer: config.KAFKA_PRODUCER,
        emitterProducer: config.KAFKA_EMITTER_PRODUCER,
        reader: config.KAFKA_READER,
        fetchMaxWaitMs: config.KAFKA_FETCH_MAX_WAIT_MS,
        readerFetchMaxWaitMs: config.KAFKA_READER_FETCH_MAX_WAIT_MS,
        // 0 = unset: the library sizes replication by the cluster it finds.
        ...(config.KAFKA_REPLICATION_FACTOR > 0
          ? { replicationFactor: config.KAFKA_REPLICATION_FACTOR }
          : {}),
        ...(config.KAFKA_MIN_INSYNC_REPLICAS > 0
          ? { minInsyncReplicas: config.KAFKA_MIN_INSYNC_REPLICAS }
          : {}),
      }),
      storage: (component) =>
        levelStorage({
          path: join(config.DATA_DIR, component),
          // 0 leaves LevelDB's defaults (bench/README.md: a smaller write buffer costs recovery rate;
          // services trade some for a native memory bound, e2e/README.md Soak).
          ...(config.LEVEL_WRITE_BUFFER_BYTES > 0
            ? { writeBufferSize: config.LEVEL_WRITE_BUFFER_BYTES }
            : {}),
          ...(config.LEVEL_CACHE_BYTES > 0 ? { cacheSize: config.LEVEL_CACHE_BYTES } : {}),
        }),
    };
  }
  if (config.NODE_ENV === 'development') {
    logger.warn('KAFKA_BROKERS is not set: running on an in-memory cluster (NODE_ENV=development)');
    return { cluster: memoryCluster({ partitions: config.PARTITIONS }), storage: () => memoryStorage() };
  }
  throw new ConfigError(['KAFKA_BROKERS is required (host:port,…), unless NODE_ENV=development']);
}

/**
 * The processor options a stream service's env sets (PROCESSING_SLICE_MS); a service whose spec
 * lacks the stream variables (tests building one by hand) keeps goka's defaults.
 */
export function processorDefaults(config: object): { readonly sliceMs?: number } {
  const slice = (config as { readonly PROCESSING_SLICE_MS?: unknown }).PROCESSING_SLICE_MS;
  return typeof slice === 'number' ? { sliceMs: slice } : {};
}
