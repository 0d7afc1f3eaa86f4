import { createRecordsBatch, type MessageRecord, Reader, readRecordsBatch } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { type BatchMessage, encodeRecordBatch } from '../src/cluster/platformatic/record-batch.ts';
import { seeded } from './support/seeded.ts';

/**
 * Our RecordBatch encoder against its oracle, @platformatic/kafka's own `createRecordsBatch`:
 * for seeded random batches the bytes must be identical — keys and values absent, null
 * (tombstones), empty and large (multi-byte varint lengths), headers, timestamps before and after
 * the first (negative deltas), absent timestamps (`now`), 1..3000 records (multi-byte offset
 * deltas and record lengths).
 */

/**
 * platformatic zigzags a 64-bit varint as `(v << 1n) ^ (v >> 31n)` (dynamic-buffer's
 * int64ZigZagEncode; Kafka's is `>> 63`), so its timestamp deltas of 2^31 ms (≈ 24.8 days) or
 * more are wrong on the wire. The oracle holds below that; beyond it, see the round-trip test.
 */
/** Any two timestamps of a batch lie at most this far apart (base ± half of it). */
const MAX_ORACLE_DELTA = 2 ** 31 - 1;

function randomBytes(random: () => number): Buffer | null | undefined {
  const pick = random();
  if (pick < 0.08) return null;
  if (pick < 0.12) return undefined;
  if (pick < 0.2) return Buffer.alloc(0);
  // Mostly short, sometimes past 63 and 8191 bytes (two- and three-byte zigzag lengths).
  const length = pick < 0.9 ? Math.floor(random() * 64) : Math.floor(random() * 20_000);
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = Math.floor(random() * 256);
  return b;
}

function randomMessage(random: () => number, base: number): BatchMessage {
  const headers = new Map<Buffer, Buffer>();
  if (random() < 0.3) {
    const n = 1 + Math.floor(random() * 3);
    for (let i = 0; i < n; i++)
      headers.set(
        Buffer.from(`h${i}-${Math.floor(random() * 1000)}`),
        randomBytes(random) ?? Buffer.alloc(0),
      );
  }
  // Within a second around the base, sometimes days away (five-byte varint deltas), sometimes none.
  const pick = random();
  const timestamp =
    pick < 0.1
      ? undefined
      : pick < 0.15
        ? base + Math.floor((random() - 0.5) * MAX_ORACLE_DELTA)
        : base + Math.floor((random() - 0.5) * 2_000);
  return {
    key: randomBytes(random),
    value: randomBytes(random),
    headers: random() < 0.5 && headers.size === 0 ? undefined : headers,
    timestamp: timestamp === undefined ? undefined : BigInt(timestamp),
  };
}

/** platformatic's batch for the same messages, `now` in place of absent timestamps as its request does. */
function oracle(messages: readonly BatchMessage[], now: number): Buffer {
  const copies = messages.map(
    (m) =>
      ({
        key: m.key,
        value: m.value,
        headers: m.headers ?? undefined,
        timestamp: m.timestamp === undefined ? BigInt(now) : BigInt(m.timestamp),
        topic: 't',
        partition: 0,
      }) as unknown as MessageRecord,
  );
  return createRecordsBatch(copies).buffer;
}

describe('encodeRecordBatch', () => {
  // CPU only (≈ 1 s quiet), but 7–9 s on a machine at load average 20–30: vitest's 5 s default
  // failed it there.
  it('writes the bytes platformatic writes, for 60 seeded random batches of 1..3000 records', {
    timeout: 60_000,
  }, () => {
    for (let seed = 1; seed <= 60; seed++) {
      const random = seeded(seed);
      const count = seed % 10 === 0 ? 3000 : 1 + Math.floor(random() * (seed % 3 === 0 ? 3000 : 200));
      const base = 1_700_000_000_000 + Math.floor(random() * 1e11);
      const now = base + Math.floor(random() * 5_000);
      const messages = Array.from({ length: count }, () => randomMessage(random, base));
      const ours = encodeRecordBatch(messages, now);
      const theirs = oracle(messages, now);
      expect({ seed, length: ours.length, firstDifference: firstDifference(ours, theirs) }).toEqual({
        seed,
        length: theirs.length,
        firstDifference: -1,
      });
    }
  });

  it('takes number timestamps as platformatic takes bigints', () => {
    const messages: BatchMessage[] = [
      { key: Buffer.from('a'), value: Buffer.from('1'), timestamp: 1_700_000_000_123 },
      { key: Buffer.from('b'), value: null, timestamp: 1_699_999_999_000 },
    ];
    expect(encodeRecordBatch(messages, 0).equals(oracle(messages, 0))).toBe(true);
  });

  it('writes timestamp deltas of 2^31 ms and more as Kafka reads them (where platformatic does not)', () => {
    const first = 1_700_000_000_000;
    const deltas = [2 ** 31, -(2 ** 31) - 5, 86_400_000 * 400, -86_400_000 * 400, 2 ** 31 - 1];
    const messages: BatchMessage[] = [first, ...deltas.map((d) => first + d)].map((timestamp, i) => ({
      key: Buffer.from(`k${i}`),
      value: Buffer.from(`v${i}`),
      timestamp,
    }));
    const batch = readRecordsBatch(Reader.from(encodeRecordBatch(messages, 0)));
    expect(batch.firstTimestamp).toBe(BigInt(first));
    expect(batch.maxTimestamp).toBe(BigInt(first + 86_400_000 * 400));
    expect(batch.records.map((r) => Number(r.timestampDelta))).toEqual([0, ...deltas]);
    expect(batch.records.map((r) => r.key?.toString())).toEqual(messages.map((_, i) => `k${i}`));
  });

  it('refuses an empty batch', () => {
    expect(() => encodeRecordBatch([], 0)).toThrow(/at least one record/);
  });
});

/** The index of the first byte where `a` and `b` differ, -1 if they are equal. */
function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
