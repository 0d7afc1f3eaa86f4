/**
 * Raw kafkajs: the baselines, and the fixtures every scenario needs (topics filled fast). The
 * library side never uses this file: it goes through the `Cluster` of cluster.ts.
 */
import { type Admin, Kafka, logLevel, type Message, Partitioners, type Producer } from 'kafkajs';
import { benchValue, keyOf, partitionTable } from './data.ts';

export function rawKafka(brokers: string[], clientId: string): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.ERROR });
}

export function rawProducer(kafka: Kafka): Producer {
  // Partitions are always explicit; the partitioner is named only to silence kafkajs' warning.
  return kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
}

export async function withAdmin<T>(kafka: Kafka, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

export async function createTopics(
  kafka: Kafka,
  topics: readonly { name: string; partitions: number; compacted?: boolean }[],
): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor: 1,
        configEntries: t.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
      })),
    });
  });
}

/** Sum of the partitions' high-water marks (records in a topic nobody compacted yet). */
export async function topicSize(kafka: Kafka, topic: string): Promise<number> {
  return withAdmin(kafka, async (admin) => {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  });
}

export interface FillOptions {
  topic: string;
  /** Records to write: key i % keys, a 100-byte JSON value. */
  count: number;
  keys: number;
  partitions: number;
  /** Called now and then with the records written so far. */
  progress?: (written: number) => void;
}

/**
 * Writes fixture records as fast as kafkajs allows: large batches, a few requests in flight.
 * acks=-1 like everything in the benchmark.
 */
export async function fillTopic(kafka: Kafka, o: FillOptions): Promise<void> {
  const producer = rawProducer(kafka);
  await producer.connect();
  try {
    const partitionOf = partitionTable(o.keys, o.partitions);
    const batch = 2_000; // see RAW_BATCH in scenarios/produce.ts
    const window = 4;
    let next = 0;
    let written = 0;
    let lastReport = 0;
    const sendOne = async (): Promise<void> => {
      while (next < o.count) {
        const from = next;
        const to = Math.min(o.count, from + batch);
        next = to;
        const messages: Message[] = [];
        for (let i = from; i < to; i++) {
          const key = keyOf(i, o.keys);
          messages.push({
            key,
            value: JSON.stringify(benchValue(i, key)),
            partition: partitionOf[i % o.keys]!,
          });
        }
        await producer.send({ topic: o.topic, messages, acks: -1 });
        written += to - from;
        if (o.progress && written - lastReport >= 100_000) {
          lastReport = written;
          o.progress(written);
        }
      }
    };
    await Promise.all(Array.from({ length: window }, sendOne));
  } finally {
    await producer.disconnect();
  }
}
