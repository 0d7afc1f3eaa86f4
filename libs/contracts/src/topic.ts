import type { Codec } from '@showcase/goka';

/**
 * A topic (or table) that crosses a service border. The producer and every consumer import the
 * same declaration, so name, key, event type and codec cannot drift apart between services.
 */
export interface TopicContract<T> {
  /** Kafka topic name. */
  readonly name: string;
  /** What the record key is, e.g. "sender user id": co-partitioning depends on it. */
  readonly key: string;
  /** Name of the event type carried in the value (the TypeScript type `T`). */
  readonly event: string;
  readonly codec: Codec<T>;
  /** `stream`: an event log; `table`: a compacted changelog, one current value per key. */
  readonly kind: 'stream' | 'table';
  /** The service that writes it; nobody else does. */
  readonly owner: string;
  readonly description: string;
}

export function defineTopic<T>(contract: TopicContract<T>): TopicContract<T> {
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(contract.name)) {
    throw new TypeError(`topic contract: "${contract.name}" is not a valid Kafka topic name`);
  }
  return Object.freeze({ ...contract });
}
