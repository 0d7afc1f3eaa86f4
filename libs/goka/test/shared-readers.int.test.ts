import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConsumedRecord, PartitionReader } from '../src/index.ts';
import { eventually, testBrokers, testCluster, unique } from './support/kafka.ts';

/**
 * Readers share kafkajs consumers: one per topic and process serves every partition any view,
 * table recovery, join or standby reads (src/cluster/kafka/topic-lane.ts). On the real broker,
 * because the properties are about kafkajs' fetching, seeking and pausing.
 */

const cluster = testCluster();
afterAll(() => cluster.close());

/** kafkajs consumers created while a test runs (every consumer comes from Kafka#consumer). */
let created = 0;
const original = Kafka.prototype.consumer;
beforeEach(() => {
  created = 0;
  Kafka.prototype.consumer = function (this: Kafka, ...args: Parameters<Kafka['consumer']>) {
    created++;
    return original.apply(this, args);
  };
});
afterEach(() => {
  Kafka.prototype.consumer = original;
});

const PARTITIONS = 6;

async function topicWith(perPartition: number): Promise<string> {
  const topic = unique('shared-reader');
  await cluster.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
  await produce(topic, 0, perPartition);
  return topic;
}

/**
 * Records `p:i` for i in [from, to) on every partition, so that record i sits at offset i. An
 * idempotent producer: a retried request on a loaded machine must not write a record twice.
 */
async function produce(topic: string, from: number, to: number): Promise<void> {
  const producer = new Kafka({ brokers: testBrokers(), logLevel: logLevel.NOTHING }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    await producer.sendBatch({
      topicMessages: Array.from({ length: PARTITIONS }, (_, p) => ({
        topic,
        messages: Array.from({ length: to - from }, (_, i) => ({
          partition: p,
          key: `k${from + i}`,
          value: `${p}:${from + i}`,
        })),
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

/** What a reader received, per partition, as `p:i` values in delivery order. */
class Received {
  readonly values = new Map<number, string[]>();
  readonly nexts = new Map<number, number>();
  /** A callback of a partition ran while another of the same partition had not finished. */
  overlapped = false;
  private readonly busy = new Set<number>();

  constructor(private readonly gate?: (partition: number) => Promise<void>) {}

  readonly onBatch = async (partition: number, records: readonly ConsumedRecord[], next: number) => {
    if (this.busy.has(partition)) this.overlapped = true;
    this.busy.add(partition);
    try {
      const list = this.values.get(partition) ?? [];
      for (const r of records) list.push(r.value!.toString());
      this.values.set(partition, list);
      this.nexts.set(partition, next);
      await this.gate?.(partition);
    } finally {
      this.busy.delete(partition);
    }
  };

  count(partition: number): number {
    return this.values.get(partition)?.length ?? 0;
  }
}

function expected(partition: number, from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `${partition}:${from + i}`);
}

function reader(topic: string, received: Received, partitions: [number, number][]): PartitionReader {
  return cluster.reader({
    topic,
    name: unique('user'),
    partitions: partitions.map(([partition, from]) => ({ partition, from })),
    onBatch: received.onBatch,
  });
}

describe('shared readers', () => {
  it('serves several users through one consumer, each its own partitions from its own offsets, in order', async () => {
    const topic = await topicWith(300);
    const a = new Received();
    const b = new Received();
    const c = new Received();
    const readers = [
      reader(topic, a, [
        [0, 0],
        [1, 100],
      ]),
      reader(topic, b, [
        [2, 250],
        [3, 0],
      ]),
      reader(topic, c, [
        [4, 299],
        [5, 0],
      ]),
    ];
    try {
      await Promise.all(readers.map((r) => r.start()));
      await eventually(
        () =>
          [
            a.nexts.get(0),
            a.nexts.get(1),
            b.nexts.get(2),
            b.nexts.get(3),
            c.nexts.get(4),
            c.nexts.get(5),
          ].every((n) => n === 300),
        { what: 'every user to reach the end of its partitions' },
      );
      expect(a.values.get(0)).toEqual(expected(0, 0, 300));
      expect(a.values.get(1)).toEqual(expected(1, 100, 300));
      expect(b.values.get(2)).toEqual(expected(2, 250, 300));
      expect(b.values.get(3)).toEqual(expected(3, 0, 300));
      expect(c.values.get(4)).toEqual(expected(4, 299, 300));
      expect(c.values.get(5)).toEqual(expected(5, 0, 300));
      expect([...a.values.keys(), ...b.values.keys(), ...c.values.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
      // Records produced later reach the users that follow those partitions.
      await produce(topic, 300, 320);
      await eventually(() => a.count(0) === 320 && c.count(5) === 320 && b.count(2) === 70, {
        what: 'the new records',
      });
      expect(created).toBe(1);
    } finally {
      await Promise.all(readers.map((r) => r.stop()));
    }
  });

  it('removes one user while the others read on; its partitions can be taken again from any offset', async () => {
    const topic = await topicWith(100);
    const stay = new Received();
    const leave = new Received();
    const staying = reader(topic, stay, [
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
    const leaving = reader(topic, leave, [
      [3, 0],
      [4, 0],
      [5, 0],
    ]);
    let again: PartitionReader | undefined;
    try {
      await Promise.all([staying.start(), leaving.start()]);
      await eventually(() => leave.nexts.get(5) === 100 && stay.nexts.get(2) === 100, {
        what: 'first pass',
      }).catch((error: unknown) => {
        throw new Error(`${String(error)}: ${JSON.stringify([stay, leave].map((r) => [...r.nexts]))}`);
      });
      await leaving.stop();
      const leftWith = leave.count(3);
      // Produced while the leaver is gone: the stayer gets all of it, the leaver nothing.
      await produce(topic, 100, 200);
      await eventually(() => [0, 1, 2].every((p) => stay.nexts.get(p) === 200), { what: 'the stayer' });
      for (const p of [0, 1, 2]) expect(stay.values.get(p)).toEqual(expected(p, 0, 200));
      expect(leave.count(3)).toBe(leftWith);
      // A new user of the leaver's partitions starts where it asks, behind the lane's last position.
      const back = new Received();
      again = reader(topic, back, [
        [3, 50],
        [4, 150],
      ]);
      await again.start();
      await eventually(() => back.nexts.get(3) === 200 && back.nexts.get(4) === 200, {
        what: 'the new user',
      });
      expect(back.values.get(3)).toEqual(expected(3, 50, 200));
      expect(back.values.get(4)).toEqual(expected(4, 150, 200));
      expect(back.values.has(5)).toBe(false);
      for (const p of [0, 1, 2]) expect(stay.values.get(p)).toEqual(expected(p, 0, 200));
      expect(created).toBe(1);
    } finally {
      await Promise.all([staying.stop(), leaving.stop(), again?.stop()]);
    }
  });

  it('holds back only the partition whose callback is slow; it gets its next batch after the callback', async () => {
    const topic = await topicWith(50);
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holds = 0;
    // Partition 0's first callback waits until released (well past the lane's detach time).
    const slow = new Received(async (partition) => {
      if (partition === 0 && holds++ === 0) await held;
    });
    const fast = new Received();
    const readers = [
      reader(topic, slow, [
        [0, 0],
        [1, 0],
      ]),
      reader(topic, fast, [
        [2, 0],
        [3, 0],
      ]),
    ];
    try {
      await Promise.all(readers.map((r) => r.start()));
      await eventually(() => slow.count(0) > 0, { what: 'the slow callback to begin' });
      const seenWhileHeld = slow.count(0);
      await produce(topic, 50, 80);
      // The others keep flowing while partition 0's callback is held.
      await eventually(
        () => fast.nexts.get(3) === 80 && fast.nexts.get(2) === 80 && slow.nexts.get(1) === 80,
        {
          what: 'the other partitions to flow past the held one',
        },
      );
      await sleep(300);
      expect(slow.count(0)).toBe(seenWhileHeld);
      release();
      await eventually(() => slow.nexts.get(0) === 80, { what: 'the held partition to catch up' });
      expect(slow.values.get(0)).toEqual(expected(0, 0, 80));
      expect(slow.overlapped || fast.overlapped).toBe(false);
      expect(created).toBe(1);
    } finally {
      release();
      await Promise.all(readers.map((r) => r.stop()));
    }
  });

  it('gives two users of the same partition a consumer each; one consumer per topic otherwise', async () => {
    const [t1, t2] = [await topicWith(20), await topicWith(20)];
    const one = new Received();
    const two = new Received();
    const other = new Received();
    const readers = [
      reader(t1, one, [[0, 0]]),
      reader(t1, two, [
        [0, 10],
        [1, 0],
      ]),
      reader(t2, other, [[0, 0]]),
    ];
    try {
      await Promise.all(readers.map((r) => r.start()));
      await eventually(
        () => one.nexts.get(0) === 20 && two.nexts.get(0) === 20 && other.nexts.get(0) === 20,
        {
          what: 'all three',
        },
      );
      expect(one.values.get(0)).toEqual(expected(0, 0, 20));
      expect(two.values.get(0)).toEqual(expected(0, 10, 20));
      expect(other.values.get(0)).toEqual(expected(0, 0, 20));
      expect(created).toBe(3);
    } finally {
      await Promise.all(readers.map((r) => r.stop()));
    }
  });
});
