import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, expect, test } from 'vitest';
import { KafkaTransactionalProducer } from '../src/cluster/kafka/transactional-producer.ts';
import {
  committed,
  eventually,
  rawAdmin,
  readTopic,
  testBrokers,
  testCluster,
  unique,
} from './support/kafka.ts';

/**
 * kafkajs looks the coordinator up before every request of a transaction (four FindCoordinator
 * round trips per transaction); the transactional producers keep it (coordinator-cache.ts). Ten
 * transactions of records and offsets need the two lookups of the first one only, and still
 * commit what they carry.
 */
const cluster = testCluster();
const admin = rawAdmin();
afterAll(async () => {
  await admin.disconnect().catch(() => undefined);
  await cluster.close();
});

test('ten transactions look their coordinators up once', async () => {
  const topic = unique('coordinators');
  const group = unique('coordinators-group');
  await cluster.ensureTopics([{ name: topic, partitions: 2 }]);
  await admin.connect();
  // The offsets topic may be new on a fresh broker: wait until the group coordinator answers.
  await eventually(async () => (await committed(admin, group, topic).catch(() => undefined)) !== undefined, {
    timeoutMs: 30_000,
    what: 'the group coordinator',
  });
  const kafka = new Kafka({ clientId: 'coordinators', brokers: testBrokers(), logLevel: logLevel.NOTHING });
  const producer = new KafkaTransactionalProducer(kafka, unique('tx'), 1024 * 1024, {});
  const lookups: string[] = [];
  (producer as unknown as { producer: Producer }).producer.on('producer.network.request', ({ payload }) => {
    if (payload.apiName === 'GroupCoordinator') lookups.push(payload.apiName);
  });
  try {
    await producer.init();
    const before = lookups.length;
    for (let i = 0; i < 10; i++) {
      await producer.commit(
        [{ topic, partition: i % 2, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) }],
        group,
        [{ topic, partition: i % 2, offset: i + 1 }],
      );
    }
    // One lookup of the transaction coordinator (at init) and one of the group's (first offsets).
    expect(lookups.length - before).toBeLessThanOrEqual(1);
    expect(lookups.length).toBeLessThanOrEqual(2);
  } finally {
    await producer.close();
  }
  expect((await readTopic(cluster, topic)).map((r) => r.value?.toString()).sort()).toEqual(
    Array.from({ length: 10 }, (_, i) => `v${i}`).sort(),
  );
  const offsets = await committed(admin, group, topic);
  expect([offsets.get(0), offsets.get(1)]).toEqual([9, 10]);
}, 120_000);
