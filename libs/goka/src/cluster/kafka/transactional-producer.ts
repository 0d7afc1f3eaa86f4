import type { Kafka } from 'kafkajs';
import type { CommitOffset, OutgoingRecord, RecordMetadata, TransactionalProducer } from '../cluster.ts';
import { KafkaProducer, sendInChunks } from './producer.ts';

/**
 * A kafkajs transactional producer. One `commit` is one transaction: the records, then the
 * consumer offsets (`sendOffsets`), then the commit marker; any error aborts it. The
 * transactional id fences an older producer with the same id: a zombie instance that still
 * believes it owns the partition can no longer commit anything.
 */
export class KafkaTransactionalProducer extends KafkaProducer implements TransactionalProducer {
  private initialized = false;

  constructor(kafka: Kafka, transactionalId: string, maxPartitionBytes: number) {
    super(kafka, maxPartitionBytes, transactionalId);
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
        for (const o of offsets) {
          const list = byTopic.get(o.topic) ?? [];
          byTopic.set(o.topic, list);
          list.push({ partition: o.partition, offset: String(o.offset) });
        }
        await transaction.sendOffsets({
          consumerGroupId: group,
          topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
        });
      }
      await transaction.commit();
      return metas;
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
  }
}
