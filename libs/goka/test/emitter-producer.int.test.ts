import { createRequire } from 'node:module';
import { afterAll, afterEach, expect, test, vi } from 'vitest';
import { KafkaProducer } from '../src/cluster/kafka/producer.ts';
import { KafkaTransactionalProducer } from '../src/cluster/kafka/transactional-producer.ts';
import { PlatformaticProducer } from '../src/cluster/platformatic/producer.ts';
import { PlatformaticTransactionalProducer } from '../src/cluster/platformatic/transactional-producer.ts';
import type { OutgoingRecord } from '../src/index.ts';
import { defineGroup, Emitter, input, json, memoryStorage, Processor, persist } from '../src/index.ts';
import { eventually, readTable, readTopic, testCluster, testLogger, unique } from './support/kafka.ts';

/**
 * The per-role producer choice on the real broker: Emitters on @platformatic/kafka
 * (`emitterProducer`) while processors keep kafkajs (`producer`), as services run it. The
 * emitted records must land on the partitions a Java client picks for their keys, and an
 * exactly-once processor on kafkajs must read every one of them back in emit order per key.
 */
const KEYS = 40;
const PER_KEY = 50;
const PARTITIONS = 4;

const cluster = testCluster({ producer: 'kafkajs', emitterProducer: 'platformatic' });

// kafkajs' default partitioner is the Java client's (test/codec.test.ts checks that bit for bit):
// an independent reference for where a Java producer puts a key.
const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (
  key: Buffer,
) => number;
const javaPartition = (key: Buffer) => (kafkajsMurmur2(key) & 0x7fffffff) % PARTITIONS;

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  await cluster.close();
});

interface Seq {
  key: string;
  n: number;
}

/** The topics each client's producers wrote to, seen at their `send` / `commit`. */
function watchClients() {
  const topics = {
    platformatic: new Set<string>(),
    kafkajs: new Set<string>(),
    platformaticTx: 0,
    kafkajsTx: 0,
  };
  const note = (into: Set<string>, records: readonly OutgoingRecord[]) => {
    for (const r of records) into.add(r.topic);
  };
  const platformaticSend = PlatformaticProducer.prototype.send;
  vi.spyOn(PlatformaticProducer.prototype, 'send').mockImplementation(function (
    this: PlatformaticProducer,
    records,
  ) {
    note(topics.platformatic, records);
    return platformaticSend.call(this, records);
  });
  const kafkajsSend = KafkaProducer.prototype.send;
  vi.spyOn(KafkaProducer.prototype, 'send').mockImplementation(function (this: KafkaProducer, records) {
    note(topics.kafkajs, records);
    return kafkajsSend.call(this, records);
  });
  const kafkajsCommit = KafkaTransactionalProducer.prototype.commit;
  vi.spyOn(KafkaTransactionalProducer.prototype, 'commit').mockImplementation(function (
    this: KafkaTransactionalProducer,
    ...args
  ) {
    topics.kafkajsTx++;
    return kafkajsCommit.apply(this, args);
  });
  const platformaticCommit = PlatformaticTransactionalProducer.prototype.commit;
  vi.spyOn(PlatformaticTransactionalProducer.prototype, 'commit').mockImplementation(function (
    this: PlatformaticTransactionalProducer,
    ...args
  ) {
    topics.platformaticTx++;
    return platformaticCommit.apply(this, args);
  });
  return topics;
}

test('an Emitter on emitterProducer=platformatic writes Java-partitioned records that a kafkajs exactly-once processor reads in order', async () => {
  const clients = watchClients();
  const source = unique('emitter-role-in');
  await cluster.ensureTopics([{ name: source, partitions: PARTITIONS }]);
  const group = defineGroup(
    unique('emitter-role'),
    // The table keeps every sequence number applied, so order and completeness show in it.
    persist(json<number[]>()),
    input(source, json<Seq>(), (ctx, event) => {
      ctx.setValue([...(ctx.value() ?? []), event.n]);
    }),
  );
  const processor = new Processor(group, {
    cluster,
    storage: memoryStorage(),
    logger: testLogger(),
    guarantee: 'exactly-once',
  });
  await processor.start();
  try {
    // Three requests in flight, as a busy service's emitter may run: order per key must hold.
    const emitter = new Emitter({ cluster, topic: source, codec: json<Seq>(), requestsInFlight: 3 });
    const acks: Promise<{ partition: number }>[] = [];
    const keyOf: string[] = [];
    for (let n = 0; n < PER_KEY; n++) {
      for (let k = 0; k < KEYS; k++) {
        acks.push(emitter.emit(`key-${k}`, { key: `key-${k}`, n }));
        keyOf.push(`key-${k}`);
      }
      if (n % 10 === 9) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const metas = await Promise.all(acks);
    await emitter.close();
    metas.forEach((meta, i) => {
      expect(meta.partition, keyOf[i]).toBe(javaPartition(Buffer.from(keyOf[i]!)));
    });

    const emitted = await readTopic(cluster, source);
    expect(emitted).toHaveLength(KEYS * PER_KEY);
    for (const r of emitted) expect(r.partition).toBe(javaPartition(r.key!));

    await eventually(
      () =>
        processor.stats().processed === KEYS * PER_KEY &&
        processor.stats().partitions.every((p) => p.inFlight === 0),
      { what: 'the processor to apply every emitted event' },
    );
  } finally {
    await processor.stop();
  }
  const table = await readTable(cluster, group.table, json<number[]>());
  expect(table.size).toBe(KEYS);
  const expected = Array.from({ length: PER_KEY }, (_, n) => n);
  for (const [key, applied] of table) expect(applied, key).toEqual(expected);

  // Each role on its own client: the emitter's records went through platformatic only, the
  // processor's transactions (changelog + offsets) through kafkajs only.
  expect([...clients.platformatic]).toEqual([source]);
  expect(clients.kafkajs.has(source)).toBe(false);
  expect(clients.kafkajsTx).toBeGreaterThan(0);
  expect(clients.platformaticTx).toBe(0);
});

test('an unknown emitterProducer is refused when the cluster is made', () => {
  expect(() => testCluster({ emitterProducer: 'librdkafka' as 'kafkajs' })).toThrow(
    /unknown emitterProducer client "librdkafka"/,
  );
});
