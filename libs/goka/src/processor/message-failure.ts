import type { ConsumedRecord, OutgoingRecord } from '../cluster/cluster.ts';
import { DecodeError } from '../codec.ts';
import { CallbackFailure } from '../context.ts';

/** A message that could not be processed: its cause, and where the record came from. */
export interface MessageFailure {
  readonly cause: unknown;
  readonly message: string;
  /** `topic/partition@offset` */
  readonly where: string;
  readonly decode: boolean;
}

export function messageFailure(record: ConsumedRecord, error: unknown): MessageFailure {
  const cause = error instanceof CallbackFailure ? error.cause : error;
  return {
    cause,
    message: cause instanceof Error ? cause.message : String(cause),
    where: `${record.topic}/${record.partition}@${record.offset}`,
    decode: error instanceof DecodeError,
  };
}

/**
 * The raw record for `<group>-dlq` (policy 'dead-letter'), with headers that say what failed and
 * where it came from, so the record can be inspected or replayed as it was.
 */
export function deadLetterRecord(
  topic: string,
  partition: number,
  record: ConsumedRecord,
  failure: MessageFailure,
): OutgoingRecord {
  return {
    topic,
    partition,
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      'goka-error': failure.message,
      'goka-error-kind': failure.decode ? 'decode' : 'callback',
      'goka-topic': record.topic,
      'goka-partition': String(record.partition),
      'goka-offset': String(record.offset),
    },
  };
}

/** The error that stops the processor (policy 'fail'). */
export function processorFailure(group: string, failure: MessageFailure): Error {
  const what = failure.decode ? failure.message : `callback failed on ${failure.where}: ${failure.message}`;
  return new Error(`group "${group}": ${what}`, { cause: failure.cause });
}
