import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, test } from 'vitest';
import {
  defineGroup,
  Emitter,
  input,
  json,
  type KafkaClusterOptions,
  Processor,
  View,
} from '../src/index.ts';
import {
  countingLogger,
  type EdgeEvent,
  EdgeOracle,
  type EdgeRow,
  edgeGroup,
  fenceTransactionalId,
} from './support/edge-group.ts';
import { eventually, testCluster, testLogger, unique } from './support/kafka.ts';

/**
 * Exactly-once with a table and a loopback on the real broker, when the transactional id of a
 * partition is registered again behind its owner's back — what a previous owner's late
 * `InitProducerId` does after a rebalance (seen with two edge-set instances: the survivor's
 * first transaction on a partition it had just taken over failed with "old epoch", and the
 * processor — and with it the service — failed). The owner's aborted transaction must not
 * fail the processor: the partition starts over from its committed state, and every event is
 * applied exactly once and becomes visible.
 */
const PARTITIONS = 4;
/**
 * The client that writes (and commits the transactions): KAFKA_PRODUCER=platformatic selects
 * @platformatic/kafka, as for the services; platformatic-eos.int.test.ts runs this file so.
 */
const producer: KafkaClusterOptions['producer'] =
  process.env.KAFKA_PRODUCER === 'platformatic' ? 'platformatic' : 'kafkajs';
const readers = testCluster({ producer });
const closers: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await readers.close();
});

/** A cluster whose log (kafkajs' included) is counted: broker answers, restarts. */
function countedCluster() {
  const counting = countingLogger({
    concurrent: /concurrent operation on the same transaction/,
    oldEpoch: /old epoch/,
    restarts: /restarting a partition from its committed offsets/,
    // pino writes the error before the message
    restartsOnConcurrent: /concurrent operation.*restarting a partition from its committed offsets/,
  });
  const cluster = testCluster({ logger: counting.logger, producer });
  closers.push(() => cluster.close());
  return { cluster, counting };
}

test('a fenced exactly-once partition restarts from its committed state: nothing lost, nothing twice', async () => {
  const { cluster, counting } = countedCluster();
  const topic = unique('edge-events');
  const name = unique('edges');
  await cluster.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
  const group = edgeGroup(name, topic);
  const processor = new Processor(group, {
    cluster,
    guarantee: 'exactly-once',
    logger: counting.logger.child({ group: name }),
  });
  closers.push(() => processor.stop());
  await processor.start();
  const view = new View({
    cluster: readers,
    table: group.table,
    codec: json<EdgeRow>(),
    logger: testLogger(),
  });
  closers.push(() => view.stop());
  await view.start();
  const emitter = new Emitter({ cluster: readers, topic, codec: json<EdgeEvent>() });
  closers.push(() => emitter.close());
  const oracle = new EdgeOracle();
  const rows = new Map<string, EdgeRow | undefined>();
  const allVisible = async () => {
    for (const key of oracle.rows.keys()) rows.set(key, await view.get(key));
    return oracle.differences((k) => rows.get(k)).length === 0;
  };
  const send = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await oracle.emit(emitter, `a${i % 10}`, `b${i % 23}`);
      if (i % 20 === 19) await sleep(20);
    }
  };

  await send(100);
  await eventually(allVisible, { timeoutMs: 60_000, what: 'the first events to be visible' });

  // Every partition's producer is fenced, while events keep arriving.
  const sending = send(200);
  await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => fenceTransactionalId(`${name}-${p}`)));
  await sending;
  await eventually(allVisible, { timeoutMs: 90_000, what: 'every event to be visible once' }).catch(
    () => undefined,
  );
  const wrong = oracle.differences((k) => rows.get(k));
  console.log(
    `GOKA_EOS_FENCING ${JSON.stringify({ events: 300, wrongRows: wrong.length, ...counting.counts, state: processor.state })}`,
  );
  expect(processor.error?.message).toBeUndefined();
  expect(processor.state).toBe('running');
  expect(
    wrong.slice(0, 5).map((k) => ({ key: k, want: oracle.rows.get(k), got: rows.get(k) })),
    `${wrong.length} rows differ from the oracle`,
  ).toEqual([]);
  // The fencing was felt (the test provoked what it meant to) and answered by restarts.
  expect(counting.counts.restarts).toBeGreaterThan(0);
  // The broker's CONCURRENT_TRANSACTIONS answers are retried; none failed a transaction.
  expect(counting.counts.restartsOnConcurrent).toBe(0);
}, 180_000);

test('transactions with offsets only (no effects) survive CONCURRENT_TRANSACTIONS answers', async () => {
  const { cluster, counting } = countedCluster();
  const topic = unique('quiet-events');
  const name = unique('quiet');
  await cluster.ensureTopics([{ name: topic, partitions: 2 }]);
  // Every message is consumed without an effect: each transaction holds only the offsets, so its
  // first request is AddOffsetsToTxn, right behind the previous transaction's commit.
  const group = defineGroup(
    name,
    input(topic, json<{ n: number }>(), () => undefined),
  );
  const processor = new Processor(group, {
    cluster,
    guarantee: 'exactly-once',
    logger: counting.logger.child({ group: name }),
  });
  closers.push(() => processor.stop());
  await processor.start();
  const emitter = new Emitter({ cluster: readers, topic, codec: json<{ n: number }>() });
  closers.push(() => emitter.close());
  const EVENTS = 600;
  for (let n = 0; n < EVENTS; n++) {
    await emitter.emit(`k${n % 13}`, { n });
    if (n % 10 === 9) await sleep(10);
  }
  await eventually(() => processor.stats().processed >= EVENTS, {
    timeoutMs: 90_000,
    what: 'every event processed',
  }).catch(() => undefined);
  console.log(
    `GOKA_EOS_OFFSETS_ONLY ${JSON.stringify({ events: EVENTS, processed: processor.stats().processed, ...counting.counts })}`,
  );
  expect(processor.error?.message).toBeUndefined();
  expect(processor.stats().processed).toBe(EVENTS);
  // Answered CONCURRENT_TRANSACTIONS or not (timing), no transaction failed because of it
  // (without the retry of AddOffsetsToTxn: 11 restarts, and only 135 of 600 processed).
  expect(counting.counts.restarts).toBe(0);
}, 180_000);
