import { type Message as ConsumedMessage, type Consumer, ProduceAcks, Producer } from '@platformatic/kafka';
import type { RetryOptions } from 'kafkajs';
import type { CommitOffset, OutgoingRecord, RecordMetadata, TransactionalProducer } from '../cluster.ts';
import { chunkEnd } from './chunks.ts';
import type { GroupCoordinators } from './group-coordinators.ts';
import {
  assignOffsets,
  type Message,
  type PlatformaticProducerOptions,
  retrySchedule,
  toMessage,
} from './producer.ts';

export interface PlatformaticTransactionalOptions extends PlatformaticProducerOptions {
  readonly transactionalId: string;
  /** Where each group's offsets go (shared by the cluster's transactional producers). */
  readonly coordinators: GroupCoordinators;
}

type Client = Producer<Buffer, Buffer, Buffer, Buffer>;
type Txn = Awaited<ReturnType<Client['beginTransaction']>>;

/**
 * Registering a transactional id with producer id and epoch -1 asks the coordinator for the
 * id's current producer and a new epoch, whoever held it before. @platformatic/kafka 1.x sends
 * 0 and 0 unless told otherwise, which the broker reads as "I am producer 0" (KIP-360's epoch
 * bump of an existing producer) and answers PRODUCER_FENCED as soon as the id belongs to
 * another producer id — i.e. whenever a new owner takes over a partition's transactional id.
 */
const FRESH_PRODUCER = { producerId: -1n, producerEpoch: -1 } as const;

/**
 * How long the coordinator lets a transaction stay open before it aborts it (and fences the
 * producer), as kafkajs' default; the client uses the same figure as the produce timeout.
 */
const TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * A transactional producer on @platformatic/kafka: one `commit` is one transaction — the
 * records, then the consumer offsets (AddOffsetsToTxn, then TxnOffsetCommit to the group's
 * coordinator), then EndTxn; any error aborts it. `init` registers the transactional id
 * (InitProducerId), which fences an older producer with the same id and aborts what it left
 * open.
 *
 * Requests are strictly serialised: one transaction at a time, and inside it one request after
 * the other. Two reasons in @platformatic/kafka 1.x: it advances an idempotent producer's
 * sequence numbers only when a produce response arrives (upstream issue #326, fixed in 2.3,
 * which needs Node 22), so overlapping produce requests would carry the same sequence and the
 * broker would drop the second as a duplicate while acknowledging it; and it deduplicates
 * concurrent calls of one operation by name ("addPartitionsToTransaction", "commit"), so two
 * overlapping AddPartitionsToTxn or TxnOffsetCommit requests for different partitions would
 * send only the first and report success for both.
 *
 * After a failed transaction the client is thrown away: a request whose outcome is unknown may
 * have advanced the broker's sequence for a partition while the client's did not, and the
 * library caches the coordinators for good. The next transaction starts on a new client, whose
 * InitProducerId bumps the epoch — the broker's way to start a producer's sequences afresh.
 */
export class PlatformaticTransactionalProducer implements TransactionalProducer {
  private client: Client | undefined;
  private initialized = false;
  /** The last operation's settlement: the next one starts after it. */
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: PlatformaticTransactionalOptions) {}

  init(): Promise<void> {
    return this.serialised(async () => {
      if (this.initialized) return;
      const transaction = await this.begin();
      // Registered; nothing was added to the transaction, so nothing to end on the broker.
      await transaction.cancel();
      this.initialized = true;
    });
  }

  commit(
    records: readonly OutgoingRecord[],
    group: string,
    offsets: readonly CommitOffset[],
  ): Promise<RecordMetadata[]> {
    return this.serialised(async () => {
      const transaction = await this.begin();
      try {
        const metas = await this.sendRecords(transaction, records);
        if (offsets.length > 0) await this.sendOffsets(transaction, group, offsets);
        await transaction.commit();
        return metas;
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        this.options.coordinators.forget(group);
        await this.discardClient();
        throw error;
      }
    });
  }

  private serialised<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('producer is closed'));
    const result = this.tail.then(operation);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async begin(): Promise<Txn> {
    this.client ??= this.newClient();
    try {
      // A new client registers the id first (InitProducerId); a registered one starts at once.
      return await this.client.beginTransaction(FRESH_PRODUCER);
    } catch (error) {
      await this.discardClient();
      throw error;
    }
  }

  private async sendRecords(transaction: Txn, records: readonly OutgoingRecord[]): Promise<RecordMetadata[]> {
    const metas: RecordMetadata[] = [];
    for (let start = 0; start < records.length; ) {
      const end = chunkEnd(records, start, this.options.maxPartitionBytes);
      const messages: Message[] = new Array(end - start);
      for (let i = start; i < end; i++) messages[i - start] = toMessage(records[i]!);
      const result = await transaction.send({ messages, acks: ProduceAcks.ALL });
      for (const m of assignOffsets(records, start, end, result)) metas.push(m);
      start = end;
    }
    return metas;
  }

  /**
   * The library's offset API takes what its own consumer hands out: the consumer (of which it
   * reads the group id) and a consumed message (topic, partition, offset, and the group's
   * coordinator, generation and member in its metadata). It commits the message's offset + 1.
   * Generation -1 and no member id: the broker then checks the producer's epoch only, as for
   * kafkajs' TxnOffsetCommit v0 and the Java client's groupId-only `sendOffsetsToTransaction`.
   */
  private async sendOffsets(
    transaction: Txn,
    group: string,
    offsets: readonly CommitOffset[],
  ): Promise<void> {
    const coordinatorId = await this.options.coordinators.nodeId(group);
    await transaction.addConsumer({ groupId: group } as unknown as Consumer);
    for (const commit of offsets) {
      const consumed = {
        topic: commit.topic,
        partition: commit.partition,
        offset: BigInt(commit.offset) - 1n,
        metadata: { consumer: { groupId: group, generationId: -1, memberId: '', coordinatorId } },
      };
      await transaction.addOffset(consumed as unknown as ConsumedMessage);
    }
  }

  private newClient(): Client {
    const { retry } = this.options;
    return new Producer({
      clientId: this.options.clientId,
      bootstrapBrokers: [...this.options.brokers],
      transactionalId: this.options.transactionalId,
      idempotent: true,
      acks: ProduceAcks.ALL,
      autocreateTopics: false,
      timeout: TRANSACTION_TIMEOUT_MS,
      connectTimeout: 3_000,
      // A few more attempts than the cluster's budget: the short CONCURRENT_TRANSACTIONS ones.
      retries: (retry.retries ?? 5) + 4,
      retryDelay: transactionRetryDelay(retry),
    });
  }

  private async discardClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.initialized = false;
    await client?.close().catch(() => undefined);
  }

  /** Waits for the transaction in flight, then closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    await this.discardClient();
  }
}

/**
 * The delay before retry `attempt` (1, 2, …) of a transactional request. CONCURRENT_TRANSACTIONS
 * is the coordinator's answer while the previous transaction's markers are still being written
 * ("another concurrent operation on the same transaction"): retried from 20 ms on and doubling,
 * as the Java client does, instead of the ordinary backoff (see kafka/transactional-producer.ts).
 */
export function transactionRetryDelay(
  retry: RetryOptions,
): (client: unknown, operation: string, attempt: number, retries: number, error: Error) => number {
  const schedule = retrySchedule(retry);
  const maxRetryTime = retry.maxRetryTime ?? 30_000;
  return (client, operation, attempt, _retries, error) =>
    isConcurrentTransactions(error)
      ? Math.min(maxRetryTime, 20 * 2 ** Math.max(0, attempt - 1))
      : schedule(client, operation, attempt);
}

function isConcurrentTransactions(error: unknown): boolean {
  const found = (error as { findBy?: (property: string, value: unknown) => unknown } | undefined)?.findBy;
  return typeof found === 'function' && Boolean(found.call(error, 'apiId', 'CONCURRENT_TRANSACTIONS'));
}
