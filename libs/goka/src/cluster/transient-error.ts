/**
 * Whether an error says "the broker side is in flux" rather than "this cannot work": a lost or
 * refused connection, a request that timed out, a leader or coordinator that moved or is not
 * known yet. On a cluster such errors come and go with every broker restart, leader election
 * or rolling upgrade; a partition that meets one during recovery, or a transaction that meets
 * one, starts over instead of stopping the processor. Everything else (a record the broker
 * refuses, an authorization error, a fenced producer) stays a failure.
 *
 * Both clients are recognised by what they say about themselves: kafkajs marks its errors
 * `retriable` and names its connection errors; @platformatic/kafka sets `canRetry`. The cause
 * chain is followed, since kafkajs wraps the last error of used-up retries
 * (`KafkaJSNumberOfRetriesExceeded`) and this library wraps errors with `{ cause }`.
 */
const TRANSIENT_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSLockTimeout',
  // @platformatic/kafka
  'NetworkError',
  'TimeoutError',
]);

/** Protocol answers of a cluster in flux (leaders and coordinators moving, a broker starting). */
const TRANSIENT_TYPES = new Set([
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'NOT_COORDINATOR_FOR_GROUP',
  'COORDINATOR_NOT_AVAILABLE',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'GROUP_LOAD_IN_PROGRESS',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'OFFSET_NOT_AVAILABLE',
  'KAFKA_STORAGE_ERROR',
  'CONCURRENT_TRANSACTIONS',
]);

/** Socket-level codes: the broker process is gone or restarting. */
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

interface ErrorFacts {
  readonly name?: unknown;
  readonly type?: unknown;
  readonly code?: unknown;
  readonly retriable?: unknown;
  readonly canRetry?: unknown;
  readonly cause?: unknown;
}

export function isTransientBrokerError(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e !== null && typeof e === 'object' && !seen.has(e); ) {
    seen.add(e);
    const facts = e as ErrorFacts;
    if (typeof facts.name === 'string' && TRANSIENT_NAMES.has(facts.name)) return true;
    if (typeof facts.type === 'string' && TRANSIENT_TYPES.has(facts.type)) return true;
    if (typeof facts.code === 'string' && TRANSIENT_CODES.has(facts.code)) return true;
    if (facts.canRetry === true) return true;
    // kafkajs' base class defaults `retriable` to true; only its own errors count.
    if (facts.retriable === true && typeof facts.name === 'string' && facts.name.startsWith('KafkaJS'))
      return true;
    e = facts.cause;
  }
  return false;
}

/**
 * Runs `attempt` until it succeeds, retrying while it fails with a transient broker error (a
 * group coordinator that moved answers NOT_COORDINATOR until the client looks it up again),
 * backing off from 200 ms to 5 s, for at most `budgetMs`, and only while `wanted()` holds.
 */
export async function retryTransient<T>(
  attempt: () => Promise<T>,
  wanted: () => boolean,
  budgetMs = 120_000,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<T> {
  const started = Date.now();
  for (let failures = 0; ; failures++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransientBrokerError(error) || !wanted() || Date.now() - started > budgetMs) throw error;
      await sleep(Math.min(200 * 2 ** failures, 5_000));
    }
  }
}
