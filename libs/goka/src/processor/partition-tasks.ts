import { RecoveryAborted } from '../abort.ts';
import type { ConsumedRecord, GroupConsumer, GroupHandler } from '../cluster/cluster.ts';
import { type Deferred, deferred } from '../deferred.ts';
import type { Logger } from '../logger.ts';
import { MembershipLapsed } from './lease/membership-lease.ts';
import type { OffsetCommitter } from './offset-committer.ts';
import { PartitionTask } from './partition-task.ts';
import { RestartBudget, TransactionFailed } from './restart-budget.ts';
import type { ProcessorRuntime } from './runtime.ts';
import type { StandbyReplicas } from './standby.ts';

/** Restarts of a partition in a row (no transaction committed in between) before it fails. */
const MAX_RESTARTS_IN_A_ROW = 5;

/**
 * The partitions a processor owns, one task each, and the group handler that opens and closes
 * them as the consumer group assigns and revokes. A partition whose task cannot go on but stays
 * this member's (its transaction failed and was aborted, or the membership lease lapsed) is
 * started over here: the consumer only pauses it, seeks it to the committed offsets and resumes
 * it once the new task is ready — the cluster never learns why.
 */
export class PartitionTasks implements GroupHandler {
  private readonly tasks = new Map<number, PartitionTask>();
  /** Partitions whose task is being replaced: paused, their batches and drains are skipped. */
  private readonly restarting = new Set<number>();
  private readonly restarts = new RestartBudget(MAX_RESTARTS_IN_A_ROW);
  /** Assignments, revocations and restarts swap tasks one at a time. */
  private swaps: Promise<unknown> = Promise.resolve();
  private changeWaiter: Deferred<void> | undefined;
  private consumer: GroupConsumer | undefined;

  constructor(
    private readonly runtime: ProcessorRuntime,
    private readonly committer: OffsetCommitter,
    private readonly standby: StandbyReplicas | undefined,
    private readonly logger: Logger,
    private readonly fail: (error: Error) => void,
  ) {}

  /** The consumer that delivers to this handler: restarts pause, seek and resume through it. */
  use(consumer: GroupConsumer): void {
    this.consumer = consumer;
  }

  /** The tasks of the partitions owned right now. */
  owned(): PartitionTask[] {
    return [...this.tasks.values()];
  }

  /** Partitions owned right now. */
  partitions(): number[] {
    return [...this.tasks.keys()].sort((a, b) => a - b);
  }

  /** Resolves at the next change of the owned partitions (after assigned/revoked handled them). */
  changed(): Promise<void> {
    this.changeWaiter ??= deferred();
    return this.changeWaiter.promise;
  }

  /** The lease lapsed: every task stops; returns the writes they dropped. */
  lapse(error: MembershipLapsed): number {
    let dropped = 0;
    for (const task of this.tasks.values()) dropped += task.lapse(error);
    return dropped;
  }

  assigned(partitions: readonly number[]): Promise<void> {
    return this.serially(async () => {
      this.logger.info({ partitions }, 'partitions assigned');
      // Standby stores of these partitions are closed before their tasks open them.
      await this.standby?.reconcile(new Set([...this.tasks.keys(), ...partitions]));
      for (const p of partitions) this.open(p);
      this.notifyChanged();
    });
  }

  revoked(partitions: readonly number[]): Promise<void> {
    return this.serially(async () => {
      this.logger.info({ partitions }, 'partitions revoked');
      await Promise.all(
        partitions.map(async (p) => {
          await this.tasks.get(p)?.close();
          this.tasks.delete(p);
          this.restarting.delete(p);
        }),
      );
      // What the closed tasks finished is committed while this member still owns it.
      await this.committer.settled();
      this.committer.forget(partitions);
      this.notifyChanged();
      await this.standby?.reconcile(new Set(this.tasks.keys()));
    });
  }

  async batch(partition: number, records: readonly ConsumedRecord[]): Promise<void> {
    const task = this.tasks.get(partition);
    if (!task)
      throw new Error(`group "${this.runtime.group.name}": batch for unowned partition ${partition}`);
    // Paused for a restart: these records are read again from the committed offsets.
    if (this.restarting.has(partition)) return;
    try {
      await task.process(records);
    } catch (error) {
      // Not a failure: the partition starts over from the changelog and the committed offsets.
      if (error instanceof MembershipLapsed) return this.restart(partition, error);
      if (error instanceof TransactionFailed && this.mayRestart(partition, task, error)) {
        return this.restart(partition, error);
      }
      const failure = error instanceof Error ? error : new Error(String(error));
      this.fail(failure);
      throw failure;
    }
  }

  passed(topic: string, partition: number, nextOffset: number): void {
    this.tasks.get(partition)?.passed(topic, nextOffset);
  }

  ready(partition: number): Promise<void> {
    return this.tasks.get(partition)?.ready ?? Promise.resolve();
  }

  async drain(partition: number): Promise<void> {
    if (this.restarting.has(partition)) return;
    try {
      await this.tasks.get(partition)?.drain();
    } catch (error) {
      if (error instanceof MembershipLapsed) return this.restart(partition, error);
      throw error;
    }
    await this.committer.settled();
  }

  crashed(error: Error): void {
    this.fail(error);
  }

  private open(partition: number): PartitionTask {
    const task = new PartitionTask(this.runtime, partition);
    this.tasks.set(partition, task);
    task.ready.catch((error: Error) => {
      if (task.state === 'failed') this.fail(error);
    });
    return task;
  }

  /**
   * Starts a partition over while keeping it: pause it, close its task (nothing of an aborted
   * transaction or of a lapse is left to commit), open a new one (a new transactional producer
   * fences whoever bumped the epoch; the table recovers from the changelog) and resume at the
   * committed offsets once it is ready. A rebalance that takes the partition meanwhile wins.
   *
   * Why a transaction fails at all: a producer's `InitProducerId` cannot be cancelled. A
   * partition revoked while its task still registers its transactional id leaves that request
   * running; when it lands after the next owner's own registration, it bumps the epoch and
   * fences the next owner, whose first transaction then fails with "old epoch". Other failed
   * transactions (a broker that went away, retries used up) are the same case.
   */
  private restart(partition: number, reason: Error): void {
    const consumer = this.consumer;
    if (!consumer || this.restarting.has(partition)) return;
    this.restarting.add(partition);
    consumer.pause(partition);
    this.logger.warn({ partition, err: reason }, 'restarting a partition from its committed offsets');
    const swapped = this.serially(async () => {
      const old = this.tasks.get(partition);
      if (!old || !this.restarting.has(partition)) return undefined; // revoked meanwhile
      await old.close();
      await this.committer.settled();
      const task = this.open(partition);
      this.restarting.delete(partition);
      this.notifyChanged();
      return task;
    });
    swapped
      .then(async (task) => {
        if (!task) return;
        await task.ready;
        if (this.tasks.get(partition) !== task) return;
        await consumer.seekToCommitted(partition);
        if (this.tasks.get(partition) === task) consumer.resume(partition);
      })
      .catch((error: unknown) => {
        // Revoked while the new task recovered: the next owner has the partition.
        if (error instanceof RecoveryAborted) return;
        this.fail(error instanceof Error ? error : new Error(String(error)));
      });
  }

  /** A failed transaction: restart the partition (logged) or, out of budget, fail the processor. */
  private mayRestart(partition: number, task: PartitionTask, error: TransactionFailed): boolean {
    const { allowed, inARow } = this.restarts.allow(partition, task.committedTransactions > 0);
    if (allowed) {
      this.logger.warn(
        { partition, restart: inARow, err: error },
        'a transaction failed; the partition restarts from its committed state',
      );
    }
    return allowed;
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.swaps.then(work);
    this.swaps = next.catch(() => undefined);
    return next;
  }

  private notifyChanged(): void {
    const waiter = this.changeWaiter;
    this.changeWaiter = undefined;
    waiter?.resolve();
  }
}
