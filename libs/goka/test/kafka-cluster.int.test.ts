import { ConfigResourceTypes } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ConsumedRecord,
  defineGroup,
  Emitter,
  input,
  json,
  loopback,
  memoryStorage,
  Processor,
  partitionFor,
  persist,
  View,
} from '../src/index.ts';
import { eventually, rawAdmin, readTopic, testCluster, testLogger, unique } from './support/kafka.ts';

/** The Cluster seam's contract on Kafka: what the memory cluster promises, kafkaCluster keeps. */
const cluster = testCluster();
const admin = rawAdmin();
/** The same cluster with its records written by the other client (the producer half of the seam). */
const platformatic = testCluster({ producer: 'platformatic' });
const producerClients = [
  { client: 'kafkajs', cluster },
  { client: 'platformatic', cluster: platformatic },
] as const;

afterAll(async () => {
  await admin.disconnect().catch(() => undefined);
  await cluster.close();
  await platformatic.close();
});

describe('kafkaCluster topics', () => {
  it('knows no partition count for a missing topic, creates compacted ones, rejects other counts', async () => {
    const name = unique('seam-table');
    expect(await cluster.partitionCount(name)).toBeUndefined();
    await cluster.ensureTopics([{ name, partitions: 4, compacted: true }]);
    expect(await cluster.partitionCount(name)).toBe(4);
    await cluster.ensureTopics([{ name, partitions: 4, compacted: true }]); // existing: fine
    await expect(cluster.ensureTopics([{ name, partitions: 2 }])).rejects.toThrow(
      `topic "${name}" exists with 4 partitions, expected 2`,
    );
    await admin.connect();
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: ['cleanup.policy'] }],
    });
    expect(resources[0]?.configEntries[0]?.configValue).toBe('compact');
    expect(await cluster.offsets(name)).toEqual(
      [0, 1, 2, 3].map((partition) => ({ partition, low: 0, high: 0 })),
    );
  });
});

describe.each(producerClients)('kafkaCluster producer ($client) and reader', ({ client, cluster }) => {
  it('acknowledges records with their offsets, in order per partition, across topics', async () => {
    const [a, b] = [unique('seam-a'), unique('seam-b')];
    await cluster.ensureTopics([
      { name: a, partitions: 2 },
      { name: b, partitions: 1 },
    ]);
    const producer = cluster.producer();
    const rec = (topic: string, partition: number, v: string) => ({
      topic,
      partition,
      key: Buffer.from(v),
      value: Buffer.from(v),
      headers: { h: v },
    });
    const metas = await producer.send([rec(a, 0, 'x'), rec(a, 1, 'y'), rec(b, 0, 'z'), rec(a, 0, 'w')]);
    expect(metas).toEqual([
      { topic: a, partition: 0, offset: 0 },
      { topic: a, partition: 1, offset: 0 },
      { topic: b, partition: 0, offset: 0 },
      { topic: a, partition: 0, offset: 1 },
    ]);
    // Larger than one broker batch (1 MiB) for one partition: split into several requests.
    const big = Array.from({ length: 30 }, (_, i) => ({
      topic: a,
      partition: 1,
      key: Buffer.from(`big-${i}`),
      value: Buffer.alloc(100_000, i),
    }));
    expect((await producer.send(big)).map((m) => m.offset)).toEqual(big.map((_, i) => i + 1));
    await producer.close();

    const seen: { partition: number; records: ConsumedRecord[]; next: number }[] = [];
    const reader = cluster.reader({
      topic: a,
      partitions: [
        { partition: 0, from: 1 },
        { partition: 1, from: 0 },
      ],
      onBatch: async (partition, records, next) => {
        seen.push({ partition, records: [...records], next });
      },
    });
    await reader.start();
    try {
      const last = (p: number) => seen.filter((s) => s.partition === p).at(-1)?.next;
      await eventually(() => last(0) === 2 && last(1) === 31, { what: 'the reader to reach the ends' });
      const p0 = seen.filter((s) => s.partition === 0).flatMap((s) => s.records);
      expect(p0.map((r) => [r.offset, r.value?.toString(), r.headers.h])).toEqual([[1, 'w', 'w']]);
      expect(seen.filter((s) => s.partition === 1).flatMap((s) => s.records.map((r) => r.offset))).toEqual(
        Array.from({ length: 31 }, (_, i) => i),
      );
    } finally {
      await reader.stop();
    }
  });

  it('writes tombstones, keyless records and timestamps as given', async () => {
    const topic = unique('seam-tomb');
    await cluster.ensureTopics([{ name: topic, partitions: 1 }]);
    const producer = cluster.producer();
    try {
      const metas = await producer.send([
        { topic, partition: 0, key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 1_700_000_000_000 },
        { topic, partition: 0, key: Buffer.from('k'), value: null },
        { topic, partition: 0, key: null, value: Buffer.from('no key') },
      ]);
      expect(metas.map((m) => m.offset)).toEqual([0, 1, 2]);
    } finally {
      await producer.close();
    }
    const records = await readTopic(cluster, topic);
    expect(records.map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null])).toEqual([
      ['k', 'v'],
      ['k', null],
      [null, 'no key'],
    ]);
    expect(records[0]?.timestamp).toBe(1_700_000_000_000);
  });

  it('rejects a send to a missing topic (never creates it), and any send after close', async () => {
    const missing = unique('seam-missing');
    // A small retry budget: the default rides out two minutes of a missing broker.
    const impatient = testCluster({ producer: client, retry: { retries: 2, initialRetryTime: 100 } });
    const producer = impatient.producer();
    try {
      await expect(
        producer.send([{ topic: missing, partition: 0, key: null, value: Buffer.from('x') }]),
      ).rejects.toThrow();
      expect(await cluster.partitionCount(missing)).toBeUndefined();
      await producer.close();
      await expect(
        producer.send([{ topic: missing, partition: 0, key: null, value: Buffer.from('x') }]),
      ).rejects.toThrow(/closed/);
    } finally {
      await impatient.close();
    }
  });

  it('releases its sockets on close', async () => {
    const topic = unique('seam-sockets');
    await cluster.ensureTopics([{ name: topic, partitions: 1 }]);
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const before = sockets();
    const producer = cluster.producer();
    await producer.send([{ topic, partition: 0, key: null, value: Buffer.from('x') }]);
    expect(sockets()).toBeGreaterThan(before);
    await producer.close();
    await eventually(() => sockets() === before, {
      what: 'the producer sockets to close',
      timeoutMs: 10_000,
    });
  });
});

describe('kafkaCluster with processor, view and emitter', () => {
  it('checks that inputs are co-partitioned and creates table and loop topics to match', async () => {
    const [a, b] = [unique('seam-in-a'), unique('seam-in-b')];
    await cluster.ensureTopics([
      { name: a, partitions: 2 },
      { name: b, partitions: 3 },
    ]);
    const skewed = defineGroup(
      unique('seam-skewed'),
      input(a, json<number>(), () => undefined),
      input(b, json<number>(), () => undefined),
    );
    const p = new Processor(skewed, { cluster, logger: testLogger() });
    await expect(p.start()).rejects.toThrow(`"${a}" has 2, "${b}" has 3`);
    expect(p.state).toBe('failed');

    const g = defineGroup(
      unique('seam-looping'),
      persist(json<number>()),
      loopback(json<number>(), (ctx, n) => {
        ctx.setValue(n);
      }),
      input(b, json<number>(), (ctx, n) => {
        ctx.loopback(`${ctx.key}-copy`, n);
      }),
    );
    const q = new Processor(g, { cluster, logger: testLogger() });
    await q.start();
    await q.stop();
    expect(await cluster.partitionCount(g.table)).toBe(3);
    expect(await cluster.partitionCount(g.loopTopic)).toBe(3);
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: g.table, configNames: ['cleanup.policy'] }],
    });
    expect(resources[0]?.configEntries[0]?.configValue).toBe('compact');
  });

  it('creates emitter topics only when allowed, and a view waits for recovery on get', async () => {
    const topic = unique('seam-clicks');
    const strict = new Emitter({ cluster, topic, codec: json<number>() });
    await expect(strict.emit('k', 1)).rejects.toThrow(/does not exist/);
    await strict.close();

    const lenient = testCluster({ autoCreateTopics: true, defaultPartitions: 3 });
    try {
      const emitter = new Emitter({ cluster: lenient, topic, codec: json<number>() });
      const meta = await emitter.emit('user-1', 1);
      expect(meta.partition).toBe(partitionFor('user-1', 3));
      await emitter.close();
      expect(await cluster.partitionCount(topic)).toBe(3);
    } finally {
      await lenient.close();
    }

    const g = defineGroup(
      unique('seam-counter'),
      persist(json<number>()),
      input(topic, json<number>(), (ctx, n) => {
        ctx.setValue((ctx.value() ?? 0) + n);
      }),
    );
    const p = new Processor(g, { cluster, storage: memoryStorage(), logger: testLogger() });
    await p.start();
    try {
      expect(p.partitions).toEqual([0, 1, 2]);
      const emitter = new Emitter({ cluster, topic, codec: json<number>() });
      await Promise.all(Array.from({ length: 100 }, (_, i) => emitter.emit(`user-${i % 10}`, 1)));
      await emitter.close();
      // processed counts callbacks; the changelog has their writes once nothing is in flight.
      await eventually(
        () => p.stats().processed === 101 && p.stats().partitions.every((q) => q.inFlight === 0),
        { what: 'the processor to count every click and have its writes acknowledged' },
      );
      const view = new View({ cluster, table: g.table, codec: json<number>(), logger: testLogger() });
      const starting = view.start();
      const early = view.get('user-1'); // asked while recovering: answers once recovered
      await starting;
      await eventually(async () => (await view.get('user-1')) === 11, { what: 'the view to follow' });
      expect(await early).toBeGreaterThanOrEqual(10);
      await view.stop();
    } finally {
      await p.stop();
    }
    expect(p.state).toBe('stopped');
  });
});
