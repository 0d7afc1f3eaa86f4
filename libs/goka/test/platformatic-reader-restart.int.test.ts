import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, expect, test } from 'vitest';
import { type RunningBroker, startBroker } from '../../../infra/kafka/src/index.ts';
import type { KafkaCluster, PartitionReader } from '../src/index.ts';
import { eventually, testCluster, unique } from './support/kafka.ts';

/**
 * The platformatic reader across a broker restart (same port, same data): it follows two
 * partitions, the broker goes away mid-stream and comes back, and the reader — the same object,
 * never restarted — delivers every record exactly once, in order, also those written after the
 * restart. This test runs its own broker: the shared one must not stop.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'goka-plat-reader-restart-'));
let broker: RunningBroker | undefined;
let cluster: KafkaCluster | undefined;
let reader: PartitionReader | undefined;

afterAll(async () => {
  await reader?.stop().catch(() => undefined);
  await cluster?.close().catch(() => undefined);
  await broker?.stop({ graceMs: 10_000 });
  rmSync(dataDir, { recursive: true, force: true });
});

test('a following platformatic reader rides out a broker restart: every record once, in order', async () => {
  broker = await startBroker({ dataDir, keepData: true, log: () => undefined });
  const { port, controllerPort } = broker;
  cluster = testCluster({ brokers: broker.brokers, reader: 'platformatic' });
  const topic = unique('plat-reader-restart');
  await cluster.ensureTopics([{ name: topic, partitions: 2 }]);
  const produce = async (from: number, to: number) => {
    const kafka = new Kafka({
      clientId: 'restart-fill',
      brokers: broker!.brokers,
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (const partition of [0, 1]) {
        const messages = [];
        for (let i = from; i < to; i++) messages.push({ partition, value: `${partition}:${i}` });
        await producer.send({ topic, messages });
      }
    } finally {
      await producer.disconnect();
    }
  };

  const seen = new Map<number, string[]>([
    [0, []],
    [1, []],
  ]);
  const next = new Map<number, number>();
  reader = cluster.reader({
    topic,
    name: 'restart follower',
    partitions: [
      { partition: 0, from: 0 },
      { partition: 1, from: 0 },
    ],
    onBatch: async (partition, records, n) => {
      for (const r of records) seen.get(partition)!.push(r.value!.toString());
      next.set(partition, n);
    },
  });
  await reader.start();
  await produce(0, 500);
  await eventually(() => next.get(0) === 500 && next.get(1) === 500, {
    what: 'the records before the outage',
  });

  await broker.stop({ graceMs: 30_000 });
  await sleep(3_000); // the reader's fetches fail meanwhile; it keeps retrying
  broker = await startBroker({ dataDir, keepData: true, port, controllerPort, log: () => undefined });
  await produce(500, 1_000);
  await eventually(() => next.get(0) === 1_000 && next.get(1) === 1_000, {
    what: 'the records after the restart',
    timeoutMs: 90_000,
  });
  for (const partition of [0, 1]) {
    expect(seen.get(partition)).toEqual(Array.from({ length: 1_000 }, (_, i) => `${partition}:${i}`));
  }
}, 180_000);
