import { describe, expect, it } from 'vitest';
import {
  type AbortedTransaction,
  committedRecords,
  type FetchedBatch,
} from '../src/cluster/platformatic/read-committed-records.ts';
import { seeded } from './support/seeded.ts';

/**
 * The platformatic reader's read_committed filter against an oracle: random logs of interleaved
 * transactions (several producers, several transactions each, committed or aborted) and plain
 * records, laid out as the broker stores them (one batch per producer and send, a control batch
 * per marker), fetched from every offset with the response cut at a random batch (maxBytes). The
 * broker lists the aborted transactions overlapping the fetched range; the oracle knows each
 * record's transaction outcome and keeps exactly the committed and plain ones from the position.
 */

const TRANSACTIONAL = 1 << 4;
const CONTROL = 1 << 5;

interface LogBatch extends FetchedBatch {
  /** Outcome of the transaction the batch belongs to; `plain` for non-transactional. */
  readonly outcome: 'commit' | 'abort' | 'plain' | 'marker';
}

const record = (offsetDelta: number, value: string) => ({
  timestampDelta: BigInt(offsetDelta),
  offsetDelta,
  key: Buffer.from(value),
  value: Buffer.from(value),
  headers: [] as [Buffer | null, Buffer | null][],
});

function batch(
  offset: number,
  producerId: bigint,
  attributes: number,
  values: readonly string[],
  outcome: LogBatch['outcome'],
): LogBatch {
  return {
    firstOffset: BigInt(offset),
    lastOffsetDelta: values.length - 1,
    attributes,
    firstTimestamp: 1_000n,
    maxTimestamp: 2_000n,
    producerId,
    records: values.map((v, i) => record(i, v)),
    outcome,
  };
}

function marker(offset: number, producerId: bigint, type: 0 | 1): LogBatch {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type, 2);
  return {
    firstOffset: BigInt(offset),
    lastOffsetDelta: 0,
    attributes: TRANSACTIONAL | CONTROL,
    firstTimestamp: 1_000n,
    maxTimestamp: 1_000n,
    producerId,
    records: [{ timestampDelta: 0n, offsetDelta: 0, key, value: Buffer.alloc(6), headers: [] }],
    outcome: 'marker',
  };
}

/** A random log and the aborted transactions' [first, marker] offsets, as the broker's index has them. */
function randomLog(random: () => number) {
  const log: LogBatch[] = [];
  const aborted: { producerId: bigint; first: number; last: number }[] = [];
  const open = new Map<bigint, { first: number; outcome: 'commit' | 'abort' }>();
  let offset = 0;
  let n = 0;
  const steps = 5 + Math.floor(random() * 40);
  for (let i = 0; i < steps; i++) {
    const producer = BigInt(1 + Math.floor(random() * 3));
    const choice = random();
    if (choice < 0.15) {
      // a plain (non-transactional) producer's batch
      const values = Array.from({ length: 1 + Math.floor(random() * 3) }, () => `p${n++}`);
      log.push(batch(offset, -1n, 0, values, 'plain'));
      offset += values.length;
    } else if (open.has(producer) && choice < 0.45) {
      const txn = open.get(producer)!;
      open.delete(producer);
      log.push(marker(offset, producer, txn.outcome === 'abort' ? 0 : 1));
      if (txn.outcome === 'abort') aborted.push({ producerId: producer, first: txn.first, last: offset });
      offset += 1;
    } else {
      let txn = open.get(producer);
      if (!txn) {
        txn = { first: offset, outcome: random() < 0.5 ? 'abort' : 'commit' };
        open.set(producer, txn);
      }
      const values = Array.from({ length: 1 + Math.floor(random() * 3) }, () => `t${producer}-${n++}`);
      log.push(batch(offset, producer, TRANSACTIONAL, values, txn.outcome));
      offset += values.length;
    }
  }
  // Close what is open (the broker serves read_committed only up to the last stable offset).
  for (const [producer, txn] of open) {
    log.push(marker(offset, producer, txn.outcome === 'abort' ? 0 : 1));
    if (txn.outcome === 'abort') aborted.push({ producerId: producer, first: txn.first, last: offset });
    offset += 1;
  }
  return { log, aborted, end: offset };
}

describe('committedRecords (read_committed by the Java consumer rule)', () => {
  it('keeps exactly the committed and plain records of any fetch of random interleaved transactions', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const random = seeded(seed);
      const { log, aborted, end } = randomLog(random);
      for (let from = 0; from < end; from++) {
        // The broker starts at the batch holding `from` and returns whole batches up to a limit.
        const start = log.findIndex((b) => Number(b.firstOffset) + b.lastOffsetDelta >= from);
        const count = 1 + Math.floor(random() * (log.length - start));
        const fetched = log.slice(start, start + count);
        const lastFetched = fetched.at(-1)!;
        const upTo = Number(lastFetched.firstOffset) + lastFetched.lastOffsetDelta;
        const listed: AbortedTransaction[] = aborted
          .filter((t) => t.last >= from && t.first <= upTo)
          .map((t) => ({ producerId: t.producerId, firstOffset: BigInt(t.first) }));
        // The broker's order is by marker; the filter must not depend on it.
        if (random() < 0.5) listed.reverse();

        const expected = fetched.flatMap((b) =>
          b.outcome === 'commit' || b.outcome === 'plain'
            ? b.records
                .map((r) => ({ offset: Number(b.firstOffset) + r.offsetDelta, value: r.value!.toString() }))
                .filter((r) => r.offset >= from)
            : [],
        );
        const { records, next } = committedRecords('t', 0, fetched, listed, from);
        expect(
          records.map((r) => ({ offset: r.offset, value: r.value!.toString() })),
          `seed ${seed} from ${from}`,
        ).toEqual(expected);
        expect(next, `seed ${seed} from ${from}`).toBe(upTo + 1);
      }
    }
  }, 60_000); // exhaustive: seconds on a loaded machine, past the 5 s default

  it('drops two aborted transactions of one producer in one fetch, and one whose marker is not in it', () => {
    const log = [
      batch(0, 7n, TRANSACTIONAL, ['a1', 'a2'], 'abort'),
      marker(2, 7n, 0),
      batch(3, 7n, TRANSACTIONAL, ['c1'], 'commit'),
      marker(4, 7n, 1),
      batch(5, 7n, TRANSACTIONAL, ['a3'], 'abort'),
      marker(6, 7n, 0),
      batch(7, 7n, TRANSACTIONAL, ['a4'], 'abort'), // its abort marker comes in a later fetch
    ];
    const aborted = [
      { producerId: 7n, firstOffset: 0n },
      { producerId: 7n, firstOffset: 5n },
      { producerId: 7n, firstOffset: 7n },
    ];
    const { records, next } = committedRecords('t', 0, log, aborted, 0);
    expect(records.map((r) => r.value?.toString())).toEqual(['c1']);
    expect(next).toBe(8);
  });

  it('moves past a response of markers only, and reads timestamps and headers as written', () => {
    expect(committedRecords('t', 0, [marker(4, 3n, 1)], [], 4)).toEqual({ records: [], next: 5 });
    const withHeaders: LogBatch = {
      ...batch(10, -1n, 0, ['x', 'y'], 'plain'),
      records: [
        { ...record(0, 'x'), headers: [[Buffer.from('__proto__'), Buffer.from('1')]] },
        {
          ...record(1, 'y'),
          headers: [
            [Buffer.from('h'), Buffer.from('first')],
            [Buffer.from('h'), Buffer.from('last')],
          ],
        },
      ],
    };
    const { records } = committedRecords('t', 2, [withHeaders], [], 11);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ topic: 't', partition: 2, offset: 11, timestamp: 1_001 });
    expect(records[0]!.headers.h).toBe('last');
    const first = committedRecords('t', 2, [withHeaders], [], 10).records[0]!;
    expect(Object.hasOwn(first.headers, '__proto__')).toBe(true);
    expect(Object.entries(first.headers)).toEqual([['__proto__', '1']]);
    // LogAppendTime: the broker's time of the batch, for every record.
    const appended = { ...batch(0, -1n, 1 << 3, ['z'], 'plain') };
    expect(committedRecords('t', 0, [appended], [], 0).records[0]!.timestamp).toBe(2_000);
  });
});
