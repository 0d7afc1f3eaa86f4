import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka, RetryOptions } from 'kafkajs';
import type { CommitOffset, OutgoingRecord, RecordMetadata, TransactionalProducer } from '../cluster.ts';
import { isTransientBrokerError } from '../transient-error.ts';
import { KafkaProducer, sendInChunks } from './producer.ts';

/**
 * Why transactions of one partition collide, and what it costs. `commit` resolves when the
 * broker answered EndTxn, which it does once the commit is *decided* (PrepareCommit logged); it
 * writes the commit markers into the partitions afterwards. The partition's next transaction
 * starts at once (the next delivered batch), and its first request, AddPartitionsToTxn, reaches
 * the coordinator while the markers of the previous one may still be in flight: the broker
 * answers CONCURRENT_TRANSACTIONS ("another concurrent operation on the same transaction was
 * ongoing") and the client must retry. Nothing of ours overlaps inside one transaction (records,
 * offsets and the commit are awaited one after another; the task runs one transaction at a time).
 * The Java client retries that answer after 20 ms; kafkajs uses the producer's ordinary backoff,
 * 300 ms and doubling with this library's default retry budget, which every collision added to
 * the partition's latency. So the transactional producers retry from 20 ms on, with a few more
 * retries to keep the overall budget for real outages (about two minutes) unchanged.
 */
export function transactionRetry(retry: RetryOptions): RetryOptions {
  const maxRetryTime = retry.maxRetryTime ?? 30_000;
  const initial = retry.initialRetryTime ?? 300;
  // Doublings from 20 ms up to the old first delay, added so the budget stays the same.
  const extra = Math.max(0, Math.ceil(Math.log2(initial / 20)));
  return { ...retry, initialRetryTime: 20, maxRetryTime, retries: (retry.retries ?? 5) + extra };
}

/**
 * A kafkajs transactional producer. One `commit` is one transaction: the records, then the
 * consumer offsets (`sendOffsets`), then the commit marker; any error aborts it. The
 * transactional id fences an older producer with the same id: a zombie instance that still
 * believes it owns the partition can no longer commit anything.
 */
export class KafkaTransactionalProducer extends KafkaProducer implements TransactionalProducer {
  private initialized = false;

  constructor(kafka: Kafka, transactionalId: string, maxPartitionBytes: number, retry: RetryOptions) {
    super(kafka, maxPartitionBytes, transactionalId, transactionRetry(retry));
  }

  /**
   * kafkajs registers the transactional id (InitProducerId, which fences older producers and
   * aborts what they left open) at the first transaction: begin an empty one and end it.
   */
  async init(): Promise<void> {
    if (this.initialized) return;
    await this.connect();
    const transaction = await this.producer.transaction();
    await transaction.abort(); // nothing registered: kafkajs sends no EndTxn
    this.initialized = true;
  }

  async commit(
    records: readonly OutgoingRecord[],
    group: string,
    offsets: readonly CommitOffset[],
  ): Promise<RecordMetadata[]> {
    if (this.closed) throw new Error('producer is closed');
    await this.connect();
    const transaction = await this.producer.transaction();
    try {
      const metas =
        records.length === 0
          ? []
          : await sendInChunks((batch) => transaction.sendBatch(batch), records, this.maxPartitionBytes);
      if (offsets.length > 0) {
        const byTopic = new Map<string, { partition: number; offset: string }[]>();
        for (const commit of offsets) {
          const list = byTopic.get(commit.topic) ?? [];
          byTopic.set(commit.topic, list);
          list.push({ partition: commit.partition, offset: String(commit.offset) });
        }
        const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
        await retryConcurrent(() => transaction.sendOffsets({ consumerGroupId: group, topics }));
      }
      await transaction.commit();
      return metas;
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
  }
}

/** Attempts of AddOffsetsToTxn + TxnOffsetCommit, 20 ms apart and doubling (~5 s). */
const CONCURRENT_ATTEMPTS = 8;

/**
 * kafkajs retries CONCURRENT_TRANSACTIONS for records (AddPartitionsToTxn inside its send
 * retries) but not for AddOffsetsToTxn, the first request of a transaction that has only
 * offsets to commit (a batch whose messages had no effects): there, the previous transaction's
 * markers still being written failed the whole transaction. Retried here like the Java client.
 *
 * Nor does it retry TxnOffsetCommit on a lost connection: its retry covers only protocol
 * answers and ECONNREFUSED, and a "Closed connection" (the group coordinator's broker
 * restarting) failed the transaction, and with it the partition. Both requests may be sent
 * again within one transaction (adding the group twice is a no-op, a later TxnOffsetCommit
 * overwrites the earlier), so any transient broker error is retried here; the coordinator
 * cache has forgotten the failed coordinator (coordinator-cache.ts), so the retry looks it up.
 */
async function retryConcurrent<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransientBrokerError(error) || i >= CONCURRENT_ATTEMPTS) throw error;
      await sleep(20 * 2 ** (i - 1));
    }
  }
}
