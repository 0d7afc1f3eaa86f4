import { Kafka, logLevel } from 'kafkajs';
import { afterAll, expect, test } from 'vitest';
import { Processor } from '../src/index.ts';
import { eventually, tallyGroup, testBrokers, testCluster, testLogger, unique } from './support/kafka.ts';

/**
 * Lag means what it says: a transactional input leaves a commit (or abort) marker after the last
 * record of each transaction, which is an offset but no message. An idle exactly-once group that
 * processed everything must stand at the high-water mark (lag 0), not one marker per transaction
 * behind — the same on a partition whose last fetch held nothing but an aborted transaction.
 */
const cluster = testCluster();
afterAll(() => cluster.close());

test('an idle group reading transactional input is at the high-water mark (lag 0)', async () => {
  const topic = unique('idle-lag');
  const partitions = 2;
  await cluster.ensureTopics([{ name: topic, partitions }]);
  const kafka = new Kafka({ clientId: 'idle-lag', brokers: testBrokers(), logLevel: logLevel.NOTHING });
  const producers = await Promise.all(
    ['a', 'b'].map(async (name) => {
      const p = kafka.producer({ transactionalId: unique(name), idempotent: true, maxInFlightRequests: 1 });
      await p.connect();
      return p;
    }),
  );
  const group = unique('idle-lag-group');
  const processor = new Processor(tallyGroup(group, topic, 'i1'), {
    cluster,
    guarantee: 'exactly-once',
    logger: testLogger(),
  });
  let committedRecords = 0;
  /** Two producers, several committed transactions each on every partition: several markers in a row. */
  const writeCommitted = async (round: number) => {
    for (const [i, producer] of producers.entries()) {
      const tx = await producer.transaction();
      const messages = [];
      for (let p = 0; p < partitions; p++) {
        for (let k = 0; k < 3; k++) {
          messages.push({
            key: `k${p}-${k}`,
            value: JSON.stringify({ id: `r${round}-${i}-${p}-${k}` }),
            partition: p,
          });
        }
      }
      await tx.send({ topic, messages });
      await tx.commit();
      committedRecords += messages.length;
    }
  };
  const lags = async () => {
    const high = new Map((await cluster.offsets(topic)).map((o) => [o.partition, o.high]));
    return processor
      .stats()
      .partitions.map((part) => (high.get(part.partition) ?? 0) - (part.positions[topic]?.consumed ?? 0));
  };
  try {
    await writeCommitted(0);
    await processor.start();
    await writeCommitted(1);
    await eventually(() => processor.stats().processed === committedRecords, {
      what: 'every committed record',
    });
    await eventually(async () => (await lags()).every((lag) => lag === 0), { what: 'lag 0 after commits' });
    expect(await lags()).toEqual([0, 0]);

    // Processed and idle; then an aborted transaction: its records and its abort marker reach
    // the consumer as a fetch with no message at all.
    const tx = await producers[0]!.transaction();
    await tx.send({
      topic,
      messages: Array.from({ length: partitions }, (_, p) => ({
        key: `k${p}-0`,
        value: JSON.stringify({ id: `aborted-${p}` }),
        partition: p,
      })),
    });
    await tx.abort();
    await eventually(async () => (await lags()).every((lag) => lag === 0), { what: 'lag 0 after an abort' });
    expect(processor.stats().processed).toBe(committedRecords);
  } finally {
    await processor.stop();
    await Promise.all(producers.map((p) => p.disconnect()));
  }
}, 120_000);
