/**
 * Exactly-once reads depend on kafkajs dropping the records of aborted transactions, and kafkajs
 * 2.2.4 (its last release) does not always: its `consumer/filterAbortedMessages.js` stepped into at
 * most ONE aborted transaction per record, so a fetch that starts among the aborted transactions of
 * several producers (a loop or output topic written by many partitions' producers, a reader resuming
 * at a committed offset) let aborted records through — A writes a1 a2, B writes b1 b2 interleaved,
 * both abort, and a fetch from b1 delivered b1. Found by the platformatic exactly-once failover test
 * (a loopback event applied twice), reproduced on the real broker in
 * `test/read-committed.int.test.ts`.
 *
 * The repository patches kafkajs at install (`patches/kafkajs+2.2.4.patch`, applied by
 * patch-package in the root `postinstall`) with the Java consumer's rule. This module checks, once,
 * that the kafkajs in use filters correctly, on a synthetic fetch through kafkajs' own Batch, so a
 * kafkajs installed without the patch (`--ignore-scripts`, another copy) stops the cluster with a
 * message instead of silently breaking exactly-once.
 */
import { createRequire } from 'node:module';

interface SyntheticMessage {
  readonly offset: string;
  readonly key: Buffer;
  readonly isControlRecord?: boolean;
  readonly batchContext: { readonly producerId: string; readonly inTransaction: boolean };
}

/** kafkajs' consumer/batch.js: one partition's fetched records, filtered as read_committed. */
export type KafkajsBatch = new (
  topic: string,
  fetchedOffset: string,
  partitionData: {
    partition: number;
    highWatermark: string;
    abortedTransactions: { producerId: string; firstOffset: string }[];
    messages: SyntheticMessage[];
  },
) => { readonly messages: readonly { readonly offset: string }[] };

/** The Batch class of the kafkajs this package resolves. */
export function kafkajsBatch(): KafkajsBatch {
  return createRequire(import.meta.url)('kafkajs/src/consumer/batch.js') as KafkajsBatch;
}

const record = (offset: number, producerId: string, inTransaction: boolean): SyntheticMessage => ({
  offset: String(offset),
  key: Buffer.from(`k${offset}`),
  batchContext: { producerId, inTransaction },
});

const abortMarker = (offset: number, producerId: string): SyntheticMessage => ({
  offset: String(offset),
  key: Buffer.from([0, 0, 0, 0]),
  isControlRecord: true,
  batchContext: { producerId, inTransaction: true },
});

let problem: Error | null | undefined;

/** Throws unless kafkajs drops the aborted records of interleaved transactions. */
export function assertReadCommittedFilter(): void {
  if (problem === undefined) problem = check();
  if (problem) throw problem;
}

function check(): Error | null {
  const Batch = kafkajsBatch();
  // a1 b1 a2 b2, both transactions aborted, then a plain record; read from b1's offset.
  const batch = new Batch('read-committed-check', '1', {
    partition: 0,
    highWatermark: '7',
    abortedTransactions: [
      { producerId: '1', firstOffset: '0' },
      { producerId: '2', firstOffset: '1' },
    ],
    messages: [
      record(1, '2', true),
      record(2, '1', true),
      record(3, '2', true),
      abortMarker(4, '1'),
      abortMarker(5, '2'),
      record(6, '3', false),
    ],
  });
  const offsets = batch.messages.map((m) => m.offset).join(',');
  if (offsets === '6') return null;
  return new Error(
    `kafkajs delivers records of aborted transactions (a synthetic fetch kept offsets ${offsets}, expected 6): ` +
      'its read_committed filter is not patched — run `npm install` without --ignore-scripts so ' +
      'patch-package applies patches/kafkajs+2.2.4.patch, or use the kafkajs version the patch is for',
  );
}
