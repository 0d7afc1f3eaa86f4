import { randomUUID } from 'node:crypto';
import { type Consumer, type EachBatchPayload, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { expect, inject, test } from 'vitest';
import { brokersFromEnv } from '../src/index.ts';

const PARTITIONS = 6;
const RECORDS = 10_000;
const KEYS = 257; // not a multiple of the batch size, so every batch mixes sequence numbers
const BATCH = 500;

test('the global setup provides the same brokers through env and inject', () => {
  expect(inject('kafkaBrokers')).toEqual(brokersFromEnv());
});

test('10,000 keyed records come back complete and, per key, in produce order', async () => {
  const brokers = brokersFromEnv();
  const kafka = new Kafka({ clientId: 'infra-broker-test', brokers, logLevel: logLevel.WARN });
  const topic = `infra-order-${randomUUID()}`;
  const admin = kafka.admin();
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;
  try {
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
      waitForLeaders: true,
    });

    // Produce: value = `<key>#<n-th record of that key>`, in batches awaited one after another,
    // so the produce order of each key is well defined.
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const produced = new Map<string, number>();
    for (let start = 0; start < RECORDS; start += BATCH) {
      const messages = [];
      for (let i = start; i < Math.min(start + BATCH, RECORDS); i++) {
        const key = `key-${i % KEYS}`;
        const n = produced.get(key) ?? 0;
        produced.set(key, n + 1);
        messages.push({ key, value: `${key}#${n}` });
      }
      await producer.send({ topic, acks: -1, messages });
    }

    const highWatermarks = await admin.fetchTopicOffsets(topic);
    expect(highWatermarks.reduce((sum, p) => sum + Number(p.high), 0)).toBe(RECORDS);

    // Consume everything back as a member of a fresh consumer group.
    consumer = kafka.consumer({ groupId: `infra-order-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const byPartition = new Map<number, { offset: number; key: string; value: string }[]>();
    let received = 0;
    let allReceived!: () => void;
    const done = new Promise<void>((resolve) => {
      allReceived = resolve;
    });
    await consumer.run({
      eachBatch: async ({ batch }: EachBatchPayload) => {
        const records = byPartition.get(batch.partition) ?? [];
        byPartition.set(batch.partition, records);
        for (const message of batch.messages) {
          records.push({
            offset: Number(message.offset),
            key: String(message.key),
            value: String(message.value),
          });
        }
        received += batch.messages.length;
        if (received >= RECORDS) allReceived();
      },
    });
    await Promise.race([
      done,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`only ${received} of ${RECORDS} records arrived`)), 60_000),
      ),
    ]);
    // Anything beyond RECORDS (a duplicate) would show up within this grace period.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(received).toBe(RECORDS);

    // Per partition: offsets 0..n-1 without gaps or repeats, n = the partition's high watermark.
    expect([...byPartition.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const partitionOfKey = new Map<string, number>();
    const seen = new Map<string, number>();
    for (const { partition, high } of highWatermarks) {
      const records = byPartition.get(partition) ?? [];
      expect(records.map((r) => r.offset)).toEqual(Array.from({ length: Number(high) }, (_, i) => i));
      // Per key: one partition, and values in exactly the order they were produced.
      for (const { key, value } of records) {
        expect(partitionOfKey.get(key) ?? partition).toBe(partition);
        partitionOfKey.set(key, partition);
        const n = seen.get(key) ?? 0;
        expect(value).toBe(`${key}#${n}`);
        seen.set(key, n + 1);
      }
    }
    expect(seen).toEqual(produced);
  } finally {
    await consumer?.disconnect().catch(() => {});
    await producer?.disconnect().catch(() => {});
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
});
