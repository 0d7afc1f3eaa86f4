import { afterAll, afterEach, expect, test } from 'vitest';
import {
  type ClusterProducer,
  defineGroup,
  Emitter,
  input,
  json,
  memoryStorage,
  Processor,
  partitionFor,
  persist,
} from '../src/index.ts';
import {
  caughtUp,
  eventually,
  rawAdmin,
  readTable,
  readTopic,
  testCluster,
  testLogger,
  unique,
} from './support/kafka.ts';

/**
 * Issue 4, fault test 5: undecodable records and throwing callbacks follow the group's error
 * policy on Kafka too: `dead-letter` parks them in `<group>-dlq` with the error and goes on;
 * `fail` stops the processor visibly instead of kafkajs' endless retry of the same record.
 */
const PARTITIONS = 3;
const cluster = testCluster();
const admin = rawAdmin();
const processors: Processor[] = [];
const producers: ClusterProducer[] = [];

afterEach(async () => {
  await Promise.allSettled(processors.splice(0).map((p) => p.stop()));
  await Promise.allSettled(producers.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await admin.disconnect().catch(() => undefined);
  await cluster.close();
});

function counting(group: string, topic: string) {
  return defineGroup(
    group,
    persist(json<number>()),
    input(topic, json<{ n: number }>(), (ctx, m) => {
      if (m.n < 0) ctx.fail(new Error(`negative: ${m.n}`));
      ctx.setValue((ctx.value() ?? 0) + m.n);
    }),
  );
}

/** Writes bytes that are no JSON, bypassing the codec. */
async function poison(topic: string, key: string, raw: string) {
  const producer = cluster.producer();
  producers.push(producer);
  const k = Buffer.from(key);
  await producer.send([{ topic, partition: partitionFor(k, PARTITIONS), key: k, value: Buffer.from(raw) }]);
}

test('dead-letter: poison records land in <group>-dlq with the error, processing continues', async () => {
  await admin.connect();
  const topic = unique('poison-in');
  const group = unique('poison-dlq');
  await cluster.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
  const p = new Processor(counting(group, topic), {
    cluster,
    storage: memoryStorage(),
    onError: 'dead-letter',
    logger: testLogger(),
  });
  processors.push(p);
  await p.start();
  const emitter = new Emitter({ cluster, topic, codec: json<{ n: number }>() });
  for (let i = 0; i < 10; i++) await emitter.emit(`k${i % 3}`, { n: 1 });
  await poison(topic, 'k1', '{not json');
  await emitter.emit('k2', { n: -5 }); // decodes, but the callback fails it
  for (let i = 0; i < 10; i++) await emitter.emit(`k${i % 3}`, { n: 1 });
  await emitter.close();
  await eventually(() => caughtUp(cluster, admin, group, topic), { what: 'every record to be committed' });

  expect(p.state).toBe('running');
  expect(p.stats().deadLettered).toBe(2);
  const table = await readTable(cluster, `${group}-table`, json<number>());
  expect(Object.fromEntries(table)).toEqual({ k0: 8, k1: 6, k2: 6 });
  const dlq = await readTopic(cluster, `${group}-dlq`);
  expect(dlq).toHaveLength(2);
  const byKind = new Map(dlq.map((r) => [r.headers['goka-error-kind'], r]));
  expect(byKind.get('decode')?.value?.toString()).toBe('{not json');
  expect(byKind.get('decode')?.headers).toMatchObject({ 'goka-topic': topic });
  expect(byKind.get('decode')?.headers['goka-error']).toBeTruthy();
  expect(byKind.get('callback')?.headers['goka-error']).toContain('negative: -5');
});

test('fail: a poison record stops the processor with the error instead of a retry loop', async () => {
  await admin.connect();
  const topic = unique('poison-in');
  const group = unique('poison-fail');
  await cluster.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
  const p = new Processor(counting(group, topic), {
    cluster,
    storage: memoryStorage(),
    logger: testLogger(),
  });
  processors.push(p);
  await p.start();
  const emitter = new Emitter({ cluster, topic, codec: json<{ n: number }>() });
  for (let i = 0; i < 5; i++) await emitter.emit('k1', { n: 1 });
  await emitter.close();
  await poison(topic, 'k1', '{not json');

  await expect(p.done()).rejects.toThrow(/k1|decode|JSON/i);
  expect(p.state).toBe('failed');
  expect(p.error?.message).toBeTruthy();
  // It left the group (no member keeps retrying) and committed what it had done before.
  const { groups } = await admin.describeGroups([group]);
  expect(groups[0]?.members ?? []).toHaveLength(0);
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const partition = partitionFor(Buffer.from('k1'), PARTITIONS);
  expect(Number(offsets?.partitions.find((o) => o.partition === partition)?.offset)).toBe(5);
});
