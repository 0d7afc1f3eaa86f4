import type { EachBatchPayload } from 'kafkajs';
import type { GroupHandler } from '../cluster.ts';
import { asError, keepAlive } from './consumer-upkeep.ts';
import { toConsumedRecord } from './records.ts';

/** What handing one kafkajs batch to the group handler needs from the member. */
export interface HandoffHost {
  readonly handler: GroupHandler;
  readonly heartbeatInterval: number;
  /** Resolves once the handler heard of every join so far (it knows the partition). */
  assignments(): Promise<void>;
  /** Whether the member is active and owns the partition. */
  owns(partition: number): boolean;
  /** Whether the handler paused the partition meanwhile (see PartitionFlow). */
  isHeld(partition: number): boolean;
  fail(error: Error): void;
}

/** Where a batch handed to the handler is now: kafkajs cannot rejoin the group before it returns. */
export interface HeldBatch {
  readonly topic: string;
  readonly partition: number;
  /** When kafkajs handed it over (ms since epoch). */
  readonly since: number;
  /** What it waits for: the handler hearing of the latest join, processing, or the drain. */
  stage: 'assignments' | 'batch' | 'drain';
  /** When the held-batch watchdog last warned about it. */
  warnedAt?: number;
}

/**
 * Hands one kafkajs batch to the handler and makes its work finished before kafkajs may rejoin.
 *
 * kafkajs has no "partitions revoked" callback and rejoins as soon as a heartbeat reports a
 * rebalance, which it checks after each batch; afterwards a commit of the old generation is
 * rejected. So the batch goes to `handler.batch`, then this waits for `handler.drain(partition)`
 * — every effect of the batch acknowledged and its offsets committed — before it returns.
 * kafkajs runs the batches of one fetch together and rejoins only once all of them returned, so
 * when it rejoins, everything this member processed is committed, still with its valid
 * generation. The next owner starts exactly where this one stopped. Long batches send heartbeats
 * themselves, since kafkajs only sends them between batches.
 */
export async function handOff(host: HandoffHost, payload: EachBatchPayload, held: HeldBatch): Promise<void> {
  const { batch, resolveOffset, heartbeat } = payload;
  const { partition } = batch;
  const { handler } = host;
  // A rebalance is noticed again by kafkajs after the batch.
  const stopHeartbeats = keepAlive(heartbeat, host.heartbeatInterval);
  try {
    await host.assignments();
    // Returning without resolving leaves the records to be fetched again by the next owner.
    if (!host.owns(partition)) return;
    const records = batch.messages.map((m) => toConsumedRecord(batch.topic, partition, m));
    held.stage = 'batch';
    await handler.batch(partition, records);
    // Paused by the handler meanwhile: the batch stays unresolved, to be read again.
    if (host.isHeld(partition)) return;
    const last = batch.messages[batch.messages.length - 1]!.offset;
    // kafkajs resolves the markers after the last record with it (its lastOffset() counts them).
    resolveOffset(last);
    const passed = Number(batch.lastOffset()) + 1;
    if (passed > Number(last) + 1) handler.passed?.(batch.topic, partition, passed);
    held.stage = 'drain';
    await handler.drain?.(partition);
  } catch (error) {
    // The batch is left unresolved. Never rethrow into kafkajs: it retries the batch, crashes,
    // restarts on the same record and loops forever. A failing handler fails the processor
    // instead (its error policy already decided that this error stops it).
    host.fail(asError(error));
  } finally {
    stopHeartbeats();
  }
}
