import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { ConsumedRecord, Headers } from '../cluster.ts';

/** A kafkajs message as the seam's record: numeric offset and timestamp, string headers. */
export function toConsumedRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  return {
    topic,
    partition,
    offset: Number(message.offset),
    key: message.key ?? null,
    value: message.value ?? null,
    timestamp: Number(message.timestamp),
    headers: message.headers ? toHeaders(message.headers) : {},
  };
}

function toHeaders(raw: IHeaders): Headers {
  const headers: Headers = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    // Kafka allows a header name more than once; the seam keeps the last, like a map would.
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) headers[name] = last.toString();
  }
  return headers;
}
