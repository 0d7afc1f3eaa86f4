import { afterAll, expect, test } from 'vitest';
import type { ConsumedRecord, OutgoingRecord, RecordMetadata } from '../src/index.ts';
import { readTopic, testCluster, unique } from './support/kafka.ts';

/**
 * Record batches written by record-batch.ts, through the platformatic producer, on the real
 * broker: the broker accepts them (its CRC and framing checks), and both kafkajs and the
 * platformatic reader read back every record at the offset the producer reported, with its key,
 * value (tombstones and empty values apart), headers and timestamp — including a timestamp more
 * than 2^31 ms before its batch's first, which platformatic's own encoder would corrupt.
 */
const PARTITIONS = 3;

const producing = testCluster({ producer: 'platformatic' });
const kafkajsReading = testCluster();
const platformaticReading = testCluster({ reader: 'platformatic' });

afterAll(async () => {
  await producing.close();
  await kafkajsReading.close();
  await platformaticReading.close();
});

function records(topic: string, start: number): OutgoingRecord[] {
  const now = Date.now();
  const list: OutgoingRecord[] = [];
  for (let i = start; i < start + 700; i++) {
    const headers: Record<string, string> | undefined =
      i % 5 === 0 ? { trace: `t-${i}`, 'sprache-\u00fc': '\u2713'.repeat(i % 7) } : undefined;
    list.push({
      topic,
      partition: i % PARTITIONS,
      key: i % 17 === 0 ? null : Buffer.from(`key-${i}`),
      // Tombstones, empty values and values past 64 bytes (two-byte varint lengths).
      value:
        i % 11 === 0
          ? null
          : i % 13 === 0
            ? Buffer.alloc(0)
            : Buffer.from(`value-${i}-${'x'.repeat(i % 300)}`),
      ...(headers ? { headers } : {}),
      // Some records let the client stamp them; one per batch is 40 days old.
      ...(i % 9 === 0 ? {} : { timestamp: i % 250 === 1 ? now - 40 * 86_400_000 : now - (i % 1000) }),
    });
  }
  return list;
}

function expectSame(
  read: readonly ConsumedRecord[],
  sent: ReadonlyMap<string, OutgoingRecord>,
  from: number,
  to: number,
) {
  expect(read).toHaveLength(sent.size);
  for (const r of read) {
    const s = sent.get(`${r.partition}/${r.offset}`);
    expect(s, `a record at ${r.partition}/${r.offset} that was not sent`).toBeDefined();
    expect(r.key?.toString() ?? null).toBe(s!.key?.toString() ?? null);
    expect(r.value === null ? null : r.value.toString('hex')).toBe(
      s!.value === null ? null : s!.value.toString('hex'),
    );
    expect(r.headers).toEqual(s!.headers ?? {});
    if (s!.timestamp !== undefined) expect(r.timestamp).toBe(s!.timestamp);
    else {
      expect(r.timestamp).toBeGreaterThanOrEqual(from);
      expect(r.timestamp).toBeLessThanOrEqual(to);
    }
  }
}

test('batches written by our encoder are read back by kafkajs and by the platformatic reader', async () => {
  const topic = unique('plat-batch');
  await producing.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
  const producer = producing.producer();
  const sent = new Map<string, OutgoingRecord>();
  const from = Date.now();
  try {
    // Concurrent sends on disjoint and shared partitions, as an Emitter issues them.
    const batches = [records(topic, 0), records(topic, 700), records(topic, 1400)];
    const metas: RecordMetadata[][] = await Promise.all(batches.map((b) => producer.send(b)));
    for (let b = 0; b < batches.length; b++) {
      expect(metas[b]).toHaveLength(batches[b]!.length);
      for (let i = 0; i < batches[b]!.length; i++) {
        const m = metas[b]![i]!;
        expect(m.partition).toBe(batches[b]![i]!.partition);
        sent.set(`${m.partition}/${m.offset}`, batches[b]![i]!);
      }
    }
  } finally {
    await producer.close();
  }
  const to = Date.now();
  expect(sent.size).toBe(2100);
  expectSame(await readTopic(kafkajsReading, topic), sent, from, to);
  expectSame(await readTopic(platformaticReading, topic), sent, from, to);
});
