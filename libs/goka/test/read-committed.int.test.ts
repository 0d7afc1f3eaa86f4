import { Kafka, logLevel } from 'kafkajs';
import { afterAll, expect, test } from 'vitest';
import { testBrokers, testCluster, unique } from './support/kafka.ts';

/**
 * The real broker's view of the bug kafkajs 2.2.4 had (see src/cluster/kafka/read-committed.ts):
 * two producers' transactions interleaved on one partition, both aborted, then a plain record. A
 * reader starting anywhere among them must see the plain record only. Unpatched kafkajs delivered
 * b1 when starting at b1 and b2 when starting at b2.
 */
const cluster = testCluster();
afterAll(() => cluster.close());

test('a reader starting among interleaved aborted transactions of two producers sees no aborted record', async () => {
  const topic = unique('aborted');
  await cluster.ensureTopics([{ name: topic, partitions: 1 }]);
  const kafka = new Kafka({ clientId: 'read-committed', brokers: testBrokers(), logLevel: logLevel.NOTHING });
  const transactional = async (id: string) => {
    const producer = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    return producer;
  };
  const a = await transactional(unique('a'));
  const b = await transactional(unique('b'));
  const plain = kafka.producer();
  await plain.connect();
  try {
    const ta = await a.transaction();
    const tb = await b.transaction();
    await ta.send({ topic, messages: [{ value: 'a1', partition: 0 }] });
    await tb.send({ topic, messages: [{ value: 'b1', partition: 0 }] });
    await ta.send({ topic, messages: [{ value: 'a2', partition: 0 }] });
    await tb.send({ topic, messages: [{ value: 'b2', partition: 0 }] });
    await ta.abort();
    await tb.abort();
    await plain.send({ topic, messages: [{ value: 'c', partition: 0 }] });
  } finally {
    await Promise.all([a.disconnect(), b.disconnect(), plain.disconnect()]);
  }
  const high = (await cluster.offsets(topic))[0]?.high ?? 0;
  const seen: Record<number, string[]> = {};
  for (const from of [0, 1, 2, 3]) {
    const values: string[] = [];
    let reachedEnd!: () => void;
    const end = new Promise<void>((resolve) => {
      reachedEnd = resolve;
    });
    const reader = cluster.reader({
      topic,
      name: `read-committed from ${from}`,
      partitions: [{ partition: 0, from }],
      onBatch: async (_partition, batch, next) => {
        for (const r of batch) values.push(r.value?.toString() ?? 'null');
        if (next >= high) reachedEnd();
      },
    });
    await reader.start();
    try {
      await Promise.race([
        end,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`from ${from}: end not reached`)), 30_000),
        ),
      ]);
    } finally {
      await reader.stop();
    }
    seen[from] = values;
  }
  expect(seen).toEqual({ 0: ['c'], 1: ['c'], 2: ['c'], 3: ['c'] });
}, 120_000);
