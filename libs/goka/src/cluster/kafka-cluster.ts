import { Kafka, type RetryOptions } from 'kafkajs';
import { defaultLogger, type Logger } from '../logger.ts';
import type {
  Cluster,
  ClusterProducer,
  GroupConsumer,
  GroupConsumerOptions,
  PartitionOffsets,
  PartitionReader,
  ProducerRole,
  ReaderOptions,
  TopicSpec,
  TransactionalProducer,
} from './cluster.ts';
import { TopicAdmin } from './kafka/admin.ts';
import { type ConsumerSettings, KafkaGroupConsumer } from './kafka/group-consumer.ts';
import { kafkajsLevel, kafkajsLogCreator } from './kafka/kafkajs-logger.ts';
import { KafkaPartitionReader } from './kafka/partition-reader.ts';
import { KafkaProducer } from './kafka/producer.ts';
import { assertReadCommittedFilter } from './kafka/read-committed.ts';
import { KafkaTransactionalProducer } from './kafka/transactional-producer.ts';
import { GroupCoordinators } from './platformatic/group-coordinators.ts';
import { PlatformaticProducer } from './platformatic/producer.ts';
import { PlatformaticPartitionReader } from './platformatic/reader.ts';
import { PlatformaticTransactionalProducer } from './platformatic/transactional-producer.ts';

/** The client that writes records (`producer()`, `transactionalProducer()`); consumers and readers stay on kafkajs. */
export type ProducerClient = 'kafkajs' | 'platformatic';

/** The client that reads partitions (`reader()`: views, table recovery, standbys); group members stay on kafkajs. */
export type ReaderClient = 'kafkajs' | 'platformatic';

export interface KafkaClusterOptions {
  /** Bootstrap addresses, e.g. `['127.0.0.1:9092']`. */
  readonly brokers: readonly string[];
  /** Default `goka`; prefixes the private group ids of readers. */
  readonly clientId?: string;
  /** Create emitter and output topics on first use. Default false: topics are deliberate on Kafka. */
  readonly autoCreateTopics?: boolean;
  /** Partition count of topics created on first use. Default 1. */
  readonly defaultPartitions?: number;
  readonly logger?: Logger;
  /**
   * How long a silent member stays in its group (kafkajs/Kafka `session.timeout.ms`), i.e. how
   * long the partitions of a crashed instance wait for a new owner. Default 10 000; the broker
   * accepts 6 000 and more by default.
   */
  readonly sessionTimeoutMs?: number;
  /** Default a third of the session timeout, at most 3 000. */
  readonly heartbeatIntervalMs?: number;
  /**
   * How long a processor's fetch waits at the broker for records when there are none (kafkajs
   * `maxWaitTimeInMs`; a fetch returns as soon as one record arrives, so this bounds only the
   * idle poll rate, and how long a pause, resume or stop waits for the fetch in flight).
   * Default 500. 3 000 (readers 1 000) took the idle platform of five services from 0.31 to
   * 0.22 cores (the broker's share from 0.15 to 0.08) but did not raise what it accepts under
   * load (bench/README.md, "Levers"), so the default stays.
   */
  readonly fetchMaxWaitMs?: number;
  /** The same for readers (views, table recovery, joined tables, standbys). Default 250. */
  readonly readerFetchMaxWaitMs?: number;
  /** How long a rebalance waits for members to finish their batches and rejoin. Default 60 000. */
  readonly rebalanceTimeoutMs?: number;
  /**
   * kafkajs' retries (every client: connecting, produce, admin, consumer restarts). kafkajs
   * retries a lost connection inside one attempt of the outer operation and turns running out
   * into a non-retriable error, so this budget is how long a broker may be away before emits
   * fail and processors stop. The default rides out about two minutes.
   */
  readonly retry?: RetryOptions;
  /**
   * How long a processor's consumer may keep crashing (broker unreachable, coordinator lost)
   * without rejoining its group before the processor fails with the error. Default 150 000.
   */
  readonly rejoinTimeoutMs?: number;
  /**
   * Bytes of one partition in one produce request. kafkajs sends a partition's records as one
   * batch, which must stay under the broker's `message.max.bytes` (1 MiB by default).
   * Default 900 000.
   */
  readonly maxPartitionBatchBytes?: number;
  /**
   * The client that writes: `producer()` (emitters; processors' changelogs, loop and output
   * topics in at-least-once mode) and `transactionalProducer()` (the same in exactly-once mode).
   * `kafkajs` (default) or `platformatic` (@platformatic/kafka: the same guarantees, about twice
   * the throughput here; see the README).
   */
  readonly producer?: ProducerClient;
  /**
   * The client of Emitters' producers (`producer({ role: 'emitter' })`) only; default `producer`.
   * An HTTP write that waits for its emit waits for this client's produce round trip, while
   * processors' transactions may be better served by the other client — so the two are chosen
   * apart (see the README, "Producer client").
   */
  readonly emitterProducer?: ProducerClient;
  /**
   * The client that reads: `reader()` (views, processors' table recovery, joined tables,
   * standbys). `kafkajs` (default: one pooled consumer per table) or `platformatic`
   * (@platformatic/kafka's Fetch at explicit offsets, read_committed filtered by this library;
   * faster and leaner on recovery, see the README).
   */
  readonly reader?: ReaderClient;
  /**
   * Bytes of one partition in one fetch of a platformatic reader (a fetch holds at most 1 MiB
   * in all). Default 64 KiB: what a reader holds at once then dies young in V8's new space,
   * which made recovery both leaner and faster than 1 MiB fetches (see the README).
   */
  readonly readerPartitionFetchBytes?: number;
  /**
   * Copies of each topic this library creates. Default: 3 on a cluster of three or more
   * brokers, else the number of brokers (counted when the topics are created).
   */
  readonly replicationFactor?: number;
  /**
   * `min.insync.replicas` of each topic this library creates: how many copies an acks=all
   * write (every producer here) needs before it is acknowledged. Default 2 from a replication
   * factor of 3 up, else 1.
   */
  readonly minInsyncReplicas?: number;
}

/** The option's value, checked: a typo must fail when the cluster is made, not fall back silently. */
function producerClient(option: string, value: ProducerClient): ProducerClient {
  if (value !== 'kafkajs' && value !== 'platformatic') {
    throw new Error(`kafkaCluster: unknown ${option} client "${String(value)}"`);
  }
  return value;
}

/**
 * The `Cluster` seam on Apache Kafka through kafkajs: one kafkajs client and one admin per
 * cluster object, a kafkajs producer per `producer()`, a consumer per group member and per
 * reader (kafkajs binds a consumer to one group). `close()` disconnects everything it made.
 */
export class KafkaCluster implements Cluster {
  readonly description: string;
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  private readonly kafka: Kafka;
  private readonly admin: TopicAdmin;
  private readonly logger: Logger;
  private readonly clientId: string;
  private readonly brokers: readonly string[];
  private readonly settings: ConsumerSettings;
  private readonly maxPartitionBatchBytes: number;
  private readonly retry: RetryOptions;
  private readonly producerClient: ProducerClient;
  private readonly emitterProducerClient: ProducerClient;
  private readonly readerClient: ReaderClient;
  private readonly readerPartitionFetchBytes: number;
  /** The platformatic transactional producers' group coordinator lookups, made on first use. */
  private coordinators: GroupCoordinators | undefined;
  private readonly open = new Set<{ stop(): Promise<void> }>();
  private closed = false;

  constructor(options: KafkaClusterOptions) {
    if (options.brokers.length === 0) throw new Error('kafkaCluster: no brokers given');
    // Exactly-once reads depend on it: refuse to run on a kafkajs that delivers aborted records.
    assertReadCommittedFilter();
    this.clientId = options.clientId ?? 'goka';
    this.brokers = [...options.brokers];
    this.description = `kafka ${options.brokers.join(',')}`;
    this.autoCreateTopics = options.autoCreateTopics ?? false;
    this.defaultPartitions = options.defaultPartitions ?? 1;
    this.logger = (options.logger ?? defaultLogger('goka')).child({ cluster: this.description });
    const sessionTimeout = options.sessionTimeoutMs ?? 10_000;
    this.settings = {
      sessionTimeout,
      heartbeatInterval: options.heartbeatIntervalMs ?? Math.min(3_000, Math.floor(sessionTimeout / 3)),
      rebalanceTimeout: options.rebalanceTimeoutMs ?? 60_000,
      maxWaitTime: options.fetchMaxWaitMs ?? 500,
      readerMaxWaitTime: options.readerFetchMaxWaitMs ?? 250,
      giveUpAfter: options.rejoinTimeoutMs ?? 150_000,
    };
    this.maxPartitionBatchBytes = options.maxPartitionBatchBytes ?? 900_000;
    // 0.3, 0.6, 1.2, 2.4, 4.8 s, then 5 s steps: about two and a half minutes in all.
    this.retry = options.retry ?? { retries: 30, initialRetryTime: 300, maxRetryTime: 5_000 };
    this.producerClient = producerClient('producer', options.producer ?? 'kafkajs');
    this.emitterProducerClient = producerClient(
      'emitterProducer',
      options.emitterProducer ?? this.producerClient,
    );
    this.readerClient = options.reader ?? 'kafkajs';
    if (this.readerClient !== 'kafkajs' && this.readerClient !== 'platformatic') {
      throw new Error(`kafkaCluster: unknown reader client "${String(this.readerClient)}"`);
    }
    this.readerPartitionFetchBytes = options.readerPartitionFetchBytes ?? 64 * 1024;
    this.kafka = this.newClient();
    this.admin = new TopicAdmin(this.kafka, {
      ...(options.replicationFactor !== undefined ? { factor: options.replicationFactor } : {}),
      ...(options.minInsyncReplicas !== undefined ? { minInsync: options.minInsyncReplicas } : {}),
    });
  }

  /** A kafkajs client with this cluster's brokers, retry budget and logging. */
  private newClient(): Kafka {
    return new Kafka({
      clientId: this.clientId,
      brokers: [...this.brokers],
      connectionTimeout: 3_000,
      retry: this.retry,
      logLevel: kafkajsLevel(this.logger),
      logCreator: kafkajsLogCreator(this.logger),
    });
  }

  partitionCount(topic: string): Promise<number | undefined> {
    return this.admin.partitionCount(topic);
  }

  ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    return this.admin.ensureTopics(specs);
  }

  offsets(topic: string): Promise<PartitionOffsets[]> {
    return this.admin.offsets(topic);
  }

  transactionalProducer(options: { readonly transactionalId: string }): TransactionalProducer {
    this.assertOpen();
    const producer: TransactionalProducer =
      this.producerClient === 'platformatic'
        ? new PlatformaticTransactionalProducer({
            brokers: this.brokers,
            clientId: this.clientId,
            maxPartitionBytes: this.maxPartitionBatchBytes,
            retry: this.retry,
            transactionalId: options.transactionalId,
            coordinators: this.groupCoordinators(),
          })
        : new KafkaTransactionalProducer(
            this.kafka,
            options.transactionalId,
            this.maxPartitionBatchBytes,
            this.retry,
          );
    const handle = { stop: () => producer.close() };
    this.open.add(handle);
    return {
      init: () => producer.init(),
      commit: (records, group, offsets) => producer.commit(records, group, offsets),
      close: async () => {
        this.open.delete(handle);
        await producer.close();
      },
    };
  }

  private groupCoordinators(): GroupCoordinators {
    this.coordinators ??= new GroupCoordinators(this.brokers, this.clientId, this.retry);
    return this.coordinators;
  }

  producer(options?: { readonly name?: string; readonly role?: ProducerRole }): ClusterProducer {
    this.assertOpen();
    const client = options?.role === 'emitter' ? this.emitterProducerClient : this.producerClient;
    const producer: ClusterProducer =
      client === 'platformatic'
        ? new PlatformaticProducer({
            brokers: this.brokers,
            clientId: this.clientId,
            maxPartitionBytes: this.maxPartitionBatchBytes,
            retry: this.retry,
          })
        : new KafkaProducer(this.kafka, this.maxPartitionBatchBytes);
    const handle = { stop: () => producer.close() };
    this.open.add(handle);
    return {
      send: (records) => producer.send(records),
      close: async () => {
        this.open.delete(handle);
        await producer.close();
      },
    };
  }

  reader(options: ReaderOptions): PartitionReader {
    this.assertOpen();
    const reader: PartitionReader =
      this.readerClient === 'platformatic'
        ? new PlatformaticPartitionReader(options, {
            brokers: this.brokers,
            clientId: this.clientId,
            maxWaitMs: this.settings.readerMaxWaitTime,
            partitionMaxBytes: this.readerPartitionFetchBytes,
            maxBytes: Math.max(this.readerPartitionFetchBytes, 1024 * 1024),
            retry: this.retry,
            offsets: (topic) => this.admin.offsets(topic),
            logger: this.logger,
          })
        : new KafkaPartitionReader(
            this.kafka,
            this.admin,
            options,
            this.settings,
            this.clientId,
            this.logger,
          );
    const handle = { stop: () => reader.stop() };
    return {
      start: () => {
        this.open.add(handle);
        return reader.start();
      },
      stop: async () => {
        this.open.delete(handle);
        await reader.stop();
      },
    };
  }

  groupConsumer(options: GroupConsumerOptions): GroupConsumer {
    this.assertOpen();
    // A kafkajs client caches committed offsets per group id and shares that cache between its
    // consumers; two members of one group in one process (tests, several processors of a group)
    // would clear each other's. A client per member keeps them apart; it is only a factory.
    const kafka = this.newClient();
    const consumer = new KafkaGroupConsumer(kafka, options, this.settings, this.logger, this.admin);
    const handle = { stop: () => consumer.stop() };
    return {
      start: () => {
        this.open.add(handle);
        return consumer.start();
      },
      membership: consumer.membership,
      commit: (offsets) => consumer.commit(offsets),
      pause: (partition) => consumer.pause(partition),
      seekToCommitted: (partition) => consumer.seekToCommitted(partition),
      resume: (partition) => consumer.resume(partition),
      stop: async () => {
        this.open.delete(handle);
        await consumer.stop();
      },
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`${this.description}: cluster is closed`);
  }

  /** Stops what is still open (consumers leave their groups), then the admin connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const open = [...this.open];
    this.open.clear();
    await Promise.allSettled(open.map((o) => o.stop()));
    await this.coordinators?.close().catch(() => undefined);
    await this.admin.close();
  }
}

export function kafkaCluster(options: KafkaClusterOptions): KafkaCluster {
  return new KafkaCluster(options);
}
