import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { PlatformaticPartitionReader } from '../src/cluster/platformatic/reader.ts';
import { type ConsumedRecord, json, type PartitionReader, View } from '../src/index.ts';
import {
  eventually,
  fillTable,
  rawAdmin,
  readTable,
  type Tally,
  testBrokers,
  testCluster,
  testLogger,
  unique,
} from './support/kafka.ts';

/**
 * The `reader()` seam on @platformatic/kafka's Fetch (kafkaCluster({ reader: 'platformatic' }))
 * on the real broker, beside the kafkajs reader where both must agree: positions, ends, aborted
 * transactions; then what only the fetch loop has to get right itself: OFFSET_OUT_OF_RANGE,
 * stop at once, a whole view recovery.
 */
const kafkajs = testCluster();
const platformatic = testCluster({ reader: 'platformatic' });
const readers = [
  { client: 'kafkajs', cluster: kafkajs },
  { client: 'platformatic', cluster: platformatic },
] as const;
const kafka = new Kafka({ clientId: 'plat-reader-test', brokers: testBrokers(), logLevel: logLevel.NOTHING });
const admin = rawAdmin();

afterAll(async () => {
  await admin.disconnect().catch(() => undefined);
  await kafkajs.close();
  await platformatic.close();
});

/** Collects deliveries per partition; `until` resolves once a partition's `next` reaches `end`. */
class Deliveries {
  readonly records = new Map<number, ConsumedRecord[]>();
  readonly nexts = new Map<number, number[]>();
  afterStop = 0;
  stopped = false;

  readonly onBatch = async (partition: number, records: readonly ConsumedRecord[], next: number) => {
    if (this.stopped) this.afterStop++;
    this.records.set(partition, [...(this.records.get(partition) ?? []), ...records]);
    this.nexts.set(partition, [...(this.nexts.get(partition) ?? []), next]);
  };

  values(partition: number): string[] {
    return (this.records.get(partition) ?? []).map((r) => r.value?.toString() ?? 'null');
  }

  next(partition: number): number {
    return this.nexts.get(partition)?.at(-1) ?? -1;
  }
}

async function produce(topic: string, partition: number, values: readonly string[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({ topic, messages: values.map((value) => ({ partition, key: value, value })) });
  } finally {
    await producer.disconnect();
  }
}

describe.each(readers)('reader ($client)', ({ client, cluster }) => {
  it('reads each partition from its own offset, in order, to the end, and follows new records', async () => {
    const topic = unique(`plat-read-${client}`);
    await cluster.ensureTopics([{ name: topic, partitions: 3 }]);
    await produce(topic, 0, ['a0', 'a1', 'a2']);
    await produce(topic, 2, ['c0', 'c1']);
    // Larger than a partition's fetch (1 MiB): several fetches, no record lost or repeated.
    const big = Array.from({ length: 30 }, (_, i) => `b${i}-${'x'.repeat(100_000)}`);
    for (let i = 0; i < big.length; i += 5) await produce(topic, 1, big.slice(i, i + 5));
    const got = new Deliveries();
    const reader = cluster.reader({
      topic,
      partitions: [
        { partition: 0, from: 1 },
        { partition: 1, from: 0 },
        { partition: 2, from: 7 }, // beyond the end: waits there for the next record
      ],
      onBatch: got.onBatch,
    });
    await reader.start();
    try {
      await eventually(() => got.next(0) === 3 && got.next(1) === 30, { what: 'the ends' });
      expect(got.values(0)).toEqual(['a1', 'a2']);
      expect(got.records.get(0)!.map((r) => r.offset)).toEqual([1, 2]);
      expect(got.values(1)).toEqual(big);
      await produce(topic, 0, ['a3']);
      await eventually(() => got.next(0) === 4, { what: 'the new record' });
      expect(got.values(0)).toEqual(['a1', 'a2', 'a3']);
      expect(got.records.get(0)!.at(-1)).toMatchObject({ topic, partition: 0, offset: 3 });
      expect(got.values(2)).toEqual([]);
    } finally {
      await reader.stop();
    }
  });

  it('never delivers records of aborted transactions: interleaved, several of one producer, from any offset', async () => {
    const topic = unique(`plat-aborted-${client}`);
    await cluster.ensureTopics([{ name: topic, partitions: 1 }]);
    const transactional = async (id: string) => {
      const producer = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      return producer;
    };
    const a = await transactional(unique('a'));
    const b = await transactional(unique('b'));
    const plain = kafka.producer();
    await plain.connect();
    const send = (t: { send: typeof plain.send }, value: string) =>
      t.send({ topic, messages: [{ value, partition: 0 }] });
    try {
      // A aborts twice around a committed transaction, B's aborted one interleaves with A's first.
      let ta = await a.transaction();
      const tb = await b.transaction();
      await send(ta, 'a1-aborted');
      await send(tb, 'b1-aborted');
      await send(ta, 'a2-aborted');
      await ta.abort();
      await send(plain, 'p1');
      ta = await a.transaction();
      await send(ta, 'a3-committed');
      await send(tb, 'b2-aborted');
      await ta.commit();
      ta = await a.transaction();
      await send(ta, 'a4-aborted');
      await tb.abort();
      await ta.abort();
      await send(plain, 'p2');
    } finally {
      await Promise.all([a.disconnect(), b.disconnect(), plain.disconnect()]);
    }
    const high = (await cluster.offsets(topic))[0]!.high;
    const committed = ['p1', 'a3-committed', 'p2'];
    const offsets = new Map<string, number>();
    for (let from = 0; from < high; from++) {
      const got = new Deliveries();
      const reader = cluster.reader({ topic, partitions: [{ partition: 0, from }], onBatch: got.onBatch });
      await reader.start();
      try {
        await eventually(() => got.next(0) >= high, { what: `the end from ${from}`, timeoutMs: 30_000 });
      } finally {
        await reader.stop();
      }
      for (const r of got.records.get(0) ?? []) offsets.set(r.value!.toString(), r.offset);
      // Exactly the committed records at or after `from`, each once.
      const expected = committed.filter((v) => (offsets.get(v) ?? Number.POSITIVE_INFINITY) >= from);
      expect(got.values(0), `from ${from}`).toEqual(expected);
    }
    expect([...offsets.keys()].sort()).toEqual([...committed].sort());
  }, 120_000);

  it('stops at once while a fetch waits for records, releases its sockets, delivers nothing after', async () => {
    const topic = unique(`plat-stop-${client}`);
    await cluster.ensureTopics([{ name: topic, partitions: 2 }]);
    await produce(topic, 0, ['x']);
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const before = sockets();
    const got = new Deliveries();
    const reader: PartitionReader = cluster.reader({
      topic,
      partitions: [
        { partition: 0, from: 0 },
        { partition: 1, from: 0 },
      ],
      onBatch: got.onBatch,
    });
    await reader.start();
    await eventually(() => got.next(0) === 1, { what: 'the first record' });
    await reader.stop();
    got.stopped = true;
    await produce(topic, 0, ['y']);
    await produce(topic, 1, ['z']);
    await eventually(() => sockets() <= before, { what: 'the reader sockets to close', timeoutMs: 15_000 });
    expect(got.afterStop).toBe(0);
    expect(got.values(0)).toEqual(['x']);
  });
});

describe('platformatic reader on its own', () => {
  it('continues at the log start when it fell behind it (OFFSET_OUT_OF_RANGE), and at the end of a truncated log', async () => {
    const topic = unique('plat-range');
    await platformatic.ensureTopics([{ name: topic, partitions: 2 }]);
    await produce(
      topic,
      0,
      Array.from({ length: 10 }, (_, i) => `r${i}`),
    );
    await produce(topic, 1, ['s0', 's1']);
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '6' }] });
    const got = new Deliveries();
    let lookUps = 0;
    // The first look-up is the one made before the deletion (a reader starting just then):
    // positions 2 and 5 pass the start clamp, so the broker itself must answer them out of range.
    const reader = new PlatformaticPartitionReader(
      {
        topic,
        partitions: [
          { partition: 0, from: 2 },
          { partition: 1, from: 9 }, // past the end of partition 1 (a log truncated behind the reader)
        ],
        onBatch: got.onBatch,
      },
      {
        brokers: testBrokers(),
        clientId: 'plat-range',
        maxWaitMs: 250,
        partitionMaxBytes: 1024 * 1024,
        maxBytes: 8 * 1024 * 1024,
        retry: { retries: 5, initialRetryTime: 100 },
        offsets: async (t) => {
          const real = await platformatic.offsets(t);
          return lookUps++ === 0 ? real.map((o) => ({ ...o, low: 0 })) : real;
        },
        logger: testLogger(),
      },
    );
    await reader.start();
    try {
      await eventually(() => got.next(0) === 10, { what: 'partition 0 to continue at its log start' });
      expect(got.values(0)).toEqual(['r6', 'r7', 'r8', 'r9']);
      await produce(topic, 1, ['s2']);
      await eventually(() => got.next(1) === 3, { what: 'partition 1 to continue at its end' });
      expect(got.values(1)).toEqual(['s2']);
      expect(lookUps).toBeGreaterThan(1);
    } finally {
      await reader.stop();
    }
  });

  it('reads record batches larger than its 64 KiB fetch limit in every partition at once', async () => {
    const topic = unique('plat-big-batches');
    await platformatic.ensureTopics([{ name: topic, partitions: 3 }]);
    // kafkajs sends a partition's records of one send as one batch: 3 × 120 KB per batch.
    const value = (p: number, i: number) => `${p}:${i}:${'y'.repeat(120_000)}`;
    for (let b = 0; b < 4; b++) {
      for (const p of [0, 1, 2])
        await produce(
          topic,
          p,
          [0, 1, 2].map((i) => value(p, b * 3 + i)),
        );
    }
    const got = new Deliveries();
    const reader = platformatic.reader({
      topic,
      partitions: [0, 1, 2].map((partition) => ({ partition, from: 0 })),
      onBatch: got.onBatch,
    });
    await reader.start();
    try {
      await eventually(() => [0, 1, 2].every((p) => got.next(p) === 12), { what: 'every big batch' });
      for (const p of [0, 1, 2]) {
        expect(got.values(p)).toEqual(Array.from({ length: 12 }, (_, i) => value(p, i)));
      }
    } finally {
      await reader.stop();
    }
  });

  it('recovers a view of a 30,000-key table to the same contents as the kafkajs reader', async () => {
    const table = unique('plat-view-table');
    await platformatic.ensureTopics([{ name: table, partitions: 4, compacted: true }]);
    const perPartition = await fillTable(table, 4, 30_000);
    const view = new View({ cluster: platformatic, table, codec: json<Tally>(), logger: testLogger() });
    await view.start();
    try {
      const stats = view.stats().recovery;
      expect(stats.done).toBe(30_000);
      const viaPlatformatic = new Map<string, Tally>();
      for await (const [key, value] of view.iterate()) viaPlatformatic.set(key, value);
      const viaKafkajs = await readTable(kafkajs, table, json<Tally>());
      expect(viaPlatformatic.size).toBe(perPartition.reduce((a, b) => a + b, 0));
      expect(viaPlatformatic).toEqual(viaKafkajs);
    } finally {
      await view.stop();
    }
  });
});
