import { afterAll, expect, test } from 'vitest';
import {
  defineGroup,
  Emitter,
  input,
  json,
  memoryStorage,
  output,
  Processor,
  persist,
} from '../src/index.ts';
import { eventually, readTable, readTopic, testCluster, testLogger, unique } from './support/kafka.ts';

/**
 * The platformatic producer under the library's own writers on the real broker: an Emitter
 * (many concurrent emits, natural batching) and an at-least-once processor (changelog and
 * output through the same client). Every event must arrive, and each key's events in the order
 * they were emitted — on the input topic, in the table and on the output topic.
 */
const KEYS = 40;
const PER_KEY = 100;
const PARTITIONS = 4;

const cluster = testCluster({ producer: 'platformatic' });
const kafkajsCluster = testCluster();

afterAll(async () => {
  await cluster.close();
  await kafkajsCluster.close();
});

interface Seq {
  key: string;
  n: number;
}

/** Per key, the sequence numbers in the order records of the topic hold them. */
function sequencesPerKey(values: readonly Seq[]): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  for (const v of values) {
    const list = byKey.get(v.key) ?? [];
    byKey.set(v.key, list);
    list.push(v.n);
  }
  return byKey;
}

test('an Emitter and an at-least-once processor on the platformatic producer deliver everything in order per key', async () => {
  const [source, sink] = [unique('plat-in'), unique('plat-out')];
  await cluster.ensureTopics([
    { name: source, partitions: PARTITIONS },
    { name: sink, partitions: PARTITIONS },
  ]);
  const group = defineGroup(
    unique('plat-order'),
    // The table keeps every sequence number applied, so order and completeness show in it.
    persist(json<number[]>()),
    output(sink, json<Seq>()),
    input(source, json<Seq>(), (ctx, event) => {
      ctx.setValue([...(ctx.value() ?? []), event.n]);
      ctx.emit(sink, ctx.key, event);
    }),
  );
  const processor = new Processor(group, { cluster, storage: memoryStorage(), logger: testLogger() });
  await processor.start();
  try {
    // Large values (4 KiB) so that a natural batch of records crosses several record batches.
    const emitter = new Emitter({ cluster, topic: source, codec: json<Seq & { pad: string }>() });
    const pad = 'x'.repeat(4_096);
    const acks: Promise<unknown>[] = [];
    for (let n = 0; n < PER_KEY; n++) {
      for (let k = 0; k < KEYS; k++) acks.push(emitter.emit(`key-${k}`, { key: `key-${k}`, n, pad }));
    }
    const metas = await Promise.all(acks);
    await emitter.close();
    expect(metas).toHaveLength(KEYS * PER_KEY);

    const expected = Array.from({ length: PER_KEY }, (_, n) => n);
    const emitted = await readTopic(cluster, source);
    const inputOrder = sequencesPerKey(emitted.map((r) => JSON.parse(r.value!.toString()) as Seq));
    expect(inputOrder.size).toBe(KEYS);
    for (const list of inputOrder.values()) expect(list).toEqual(expected);

    await eventually(
      () =>
        processor.stats().processed === KEYS * PER_KEY &&
        processor.stats().partitions.every((p) => p.inFlight === 0),
      { what: 'the processor to apply every event and have its writes acknowledged' },
    );
  } finally {
    await processor.stop();
  }
  const table = await readTable(cluster, group.table, json<number[]>());
  expect(table.size).toBe(KEYS);
  for (const [, applied] of table) expect(applied).toEqual(Array.from({ length: PER_KEY }, (_, n) => n));

  const outputOrder = sequencesPerKey(
    (await readTopic(cluster, sink)).map((r) => JSON.parse(r.value!.toString())),
  );
  expect(outputOrder.size).toBe(KEYS);
  for (const list of outputOrder.values()) expect(list).toEqual(Array.from({ length: PER_KEY }, (_, n) => n));
});

test.each([
  ['platformatic', cluster],
  ['kafkajs', kafkajsCluster],
] as const)(
  'an Emitter with three requests in flight on the %s producer keeps every key in order',
  async (_name, c) => {
    const topic = unique('pipelined');
    await c.ensureTopics([{ name: topic, partitions: 6 }]);
    const emitter = new Emitter({ cluster: c, topic, codec: json<Seq>(), requestsInFlight: 3 });
    // Emits in waves, so that requests overlap while others are queued behind them.
    const acks: Promise<unknown>[] = [];
    for (let n = 0; n < PER_KEY; n++) {
      for (let k = 0; k < KEYS; k++) acks.push(emitter.emit(`key-${k}`, { key: `key-${k}`, n }));
      if (n % 10 === 9) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await Promise.all(acks);
    await emitter.close();
    const order = sequencesPerKey(
      (await readTopic(c, topic)).map((r) => JSON.parse(r.value!.toString()) as Seq),
    );
    expect(order.size).toBe(KEYS);
    for (const list of order.values()) expect(list).toEqual(Array.from({ length: PER_KEY }, (_, n) => n));
  },
);
