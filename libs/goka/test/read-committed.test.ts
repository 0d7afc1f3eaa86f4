import { describe, expect, it } from 'vitest';
import { assertReadCommittedFilter, kafkajsBatch } from '../src/cluster/kafka/read-committed.ts';

/**
 * kafkajs' read_committed filtering (patched at install, patches/kafkajs+2.2.4.patch) against an
 * oracle, exhaustively: every log of up to six steps written by three transactional producers and a
 * plain one, every fetch start. The oracle knows which transaction each record belongs to and how
 * it ended; kafkajs sees only what the broker sends — records with their batch's producer id and
 * transactional flag, abort/commit markers, and the aborted transactions overlapping the fetch.
 */
type Step = 'w1' | 'w2' | 'w3' | 'a1' | 'a2' | 'c1' | 'c3' | 'n';
const steps: readonly Step[] = ['w1', 'w2', 'w3', 'a1', 'a2', 'c1', 'c3', 'n'];

interface LogRecord {
  readonly offset: number;
  readonly producerId: string;
  readonly inTransaction: boolean;
  readonly control: 'abort' | 'commit' | null;
  /** The transaction a data record belongs to (null: not transactional). */
  readonly transaction: number | null;
}

interface Log {
  readonly records: LogRecord[];
  readonly aborted: Map<number, { producerId: string; firstOffset: number; markerOffset: number }>;
}

/** Writes the script; null when it ends a transaction that is not open. */
function write(script: readonly Step[]): Log | null {
  const records: LogRecord[] = [];
  const open = new Map<string, { id: number; firstOffset: number }>();
  const aborted: Log['aborted'] = new Map();
  let nextTransaction = 0;
  const end = (producerId: string, control: 'abort' | 'commit'): boolean => {
    const transaction = open.get(producerId);
    if (!transaction) return false;
    const offset = records.length;
    records.push({ offset, producerId, inTransaction: true, control, transaction: null });
    if (control === 'abort')
      aborted.set(transaction.id, { producerId, firstOffset: transaction.firstOffset, markerOffset: offset });
    open.delete(producerId);
    return true;
  };
  for (const step of script) {
    const producerId = step.slice(1);
    if (step === 'n') {
      records.push({
        offset: records.length,
        producerId: '9',
        inTransaction: false,
        control: null,
        transaction: null,
      });
    } else if (step[0] === 'w') {
      let transaction = open.get(producerId);
      if (!transaction) {
        transaction = { id: nextTransaction++, firstOffset: records.length };
        open.set(producerId, transaction);
      }
      records.push({
        offset: records.length,
        producerId,
        inTransaction: true,
        control: null,
        transaction: transaction.id,
      });
    } else if (!end(producerId, step[0] === 'a' ? 'abort' : 'commit')) {
      return null;
    }
  }
  // Everything still open aborts, so every record's fate is decided (all of it below the LSO).
  for (const producerId of [...open.keys()]) end(producerId, 'abort');
  return { records, aborted };
}

function* scripts(length: number): Generator<Step[]> {
  if (length === 0) {
    yield [];
    return;
  }
  for (const rest of scripts(length - 1)) for (const step of steps) yield [...rest, step];
}

describe('read_committed filtering of kafkajs', () => {
  it('the kafkajs in use is the patched one (the cluster refuses to start otherwise)', () => {
    expect(() => assertReadCommittedFilter()).not.toThrow();
  });

  it('delivers exactly the committed and plain records, for every log of up to 6 steps and every fetch start', () => {
    const Batch = kafkajsBatch();
    let cases = 0;
    for (let length = 1; length <= 6; length++) {
      for (const script of scripts(length)) {
        const log = write(script);
        if (!log) continue;
        for (let start = 0; start < log.records.length; start++) {
          // The broker returns the aborted transactions that overlap the fetched range.
          const abortedTransactions = [...log.aborted.values()]
            .filter((t) => t.markerOffset >= start)
            .map((t) => ({ producerId: t.producerId, firstOffset: String(t.firstOffset) }));
          const batch = new Batch('t', String(start), {
            partition: 0,
            highWatermark: String(log.records.length),
            abortedTransactions,
            // A fetch returns whole record batches, so records before the start come along.
            messages: log.records.map((r) => ({
              offset: String(r.offset),
              key: r.control
                ? Buffer.from([0, 0, 0, r.control === 'abort' ? 0 : 1])
                : Buffer.from(`k${r.offset}`),
              isControlRecord: r.control !== null,
              batchContext: { producerId: r.producerId, inTransaction: r.inTransaction },
            })),
          });
          const expected = log.records
            .filter((r) => r.offset >= start && r.control === null)
            .filter((r) => r.transaction === null || !log.aborted.has(r.transaction))
            .map((r) => String(r.offset));
          const got = batch.messages.map((m) => m.offset);
          if (got.join() !== expected.join()) {
            throw new Error(`script ${script.join(' ')} from ${start}: got [${got}] expected [${expected}]`);
          }
          cases += 1;
        }
      }
    }
    expect(cases).toBeGreaterThan(100_000);
  }, 60_000); // exhaustive: seconds on a loaded machine, past the 5 s default
});
