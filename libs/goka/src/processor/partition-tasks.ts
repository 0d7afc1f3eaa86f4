import { RecoveryAborted } from '../abort.ts';
import type { ConsumedRecord, GroupConsumer, GroupHandler } from '../cluster/cluster.ts';
import { isTransientBrokerError } from '../cluster/transient-error.ts';
import { type Deferred, deferred } from '../deferred.ts';
import type { Logger } from '../logger.ts';
import { type StorageUnavailable, storageUnavailable } from '../storage/storage-unavailable.ts';
import { MembershipLapsed } from './lease/membership-lease.ts';
import type { OffsetCommitter } from './offset-committer.ts';
import { PartitionStalls, type TaskSupervision } from './partition-stall.ts';
import { PartitionTask } from './partition-task.ts';
import { RestartBudget, TransactionFailed } from './restart-budget.ts';
import type { ProcessorRuntime } from './runtime.ts';
import type { StandbyReplicas } from './standby.ts';

/** Restarts of a partition in a row (no transaction committed in between) before it fails. */
const MAX_RESTARTS_IN_A_ROW = 5;

/**
 * Recoveries of a partition in a row that a transient broker error ended (a connection closed
 * by a restarting broker, a leader or coordinator moving) before the processor fails: retried
 * after 0.5, 1, 2, 4, 8 s and then every 10 s, about 75 s in all — longer than a broker takes
 * to restart and its partitions to move, shorter than kafkajs' own retry budget.
 */
const MAX_RECOVERY_RETRIES = 10;
/** How often a batch waiting for a recovering task checks the lease (see `untilRecovered`). */
const LAPSE_CHECK_MS = 100;
const recoveryRetryDelay = (attempt: number) => Math.min(10_000, 500 * 2 ** (attempt - 1));

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
  /** Per partition: recoveries in a row that a transient broker error ended. */
  private readonly failedRecoveries = new Map<number, number>();
  /** Partitions whose table store the disk refuses: they start over with a backoff, for as long as it takes. */
  private readonly stalls: PartitionStalls;
  private readonly supervision: TaskSupervision = {
    storeUnavailable: (task, error) => this.storeUnavailable(task, error),
    stall: (partition) => this.stalls.get(partition),
  };
  /** Delayed restarts waiting, with what ends their wait early (`close`). */
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private closed = false;
  /** Assignments, revocations and restarts swap tasks one at a time. */
  private swaps: Promise<unknown> = Promise.resolve();
  private changeWaiter: Deferred<void> | undefined;
  private consumer: GroupConsumer | undefined;
  /** Diagnostics (`describe`): what each partition's batch, drain or restart awaits right now. */
  private readonly waits = new Map<number, string>();
  private readonly restartStages = new Map<number, string>();
  /** Diagnostics: the swap running in the serial chain, and how many wait behind it. */
  private swapping: string | undefined;
  private swapsQueued = 0;

  constructor(
    private readonly runtime: ProcessorRuntime,
    private readonly committer: OffsetCommitter,
    private readonly standby: StandbyReplicas | undefined,
    private readonly logger: Logger,
    private readonly fail: (error: Error) => void,
  ) {
    this.stalls = new PartitionStalls(logger);
  }

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

  /**
   * Whether `task` is on its way out while its partition stays here: a restart replaces it (its
   * recovery met a transient broker error, or its transaction failed). Its `ready` rejection is
   * then no failure: what counts is the task that replaces it.
   */
  replacing(task: PartitionTask): boolean {
    return this.restarting.has(task.partition) || this.tasks.get(task.partition) !== task;
  }

  /** No more restarts: the processor stops (pending delayed restarts are dropped). */
  close(): void {
    this.closed = true;
    for (const [timer, resolve] of this.timers) {
      clearTimeout(timer);
      resolve();
    }
    this.timers.clear();
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

  /** The lease holds again: partitions the lapse stopped start over (idle ones included). */
  restartLapsed(error: MembershipLapsed): void {
    for (const [partition, task] of this.tasks) if (task.state === 'lapsed') this.restart(partition, error);
  }

  /** What a partition waits for now (logged with a batch held long, see group-consumer.ts). */
  describe(partition: number): Readonly<Record<string, unknown>> {
    return {
      task: this.tasks.get(partition)?.state,
      restarting: this.restarting.has(partition),
      waiting: this.waits.get(partition),
      restart: this.restartStages.get(partition),
      swapping: this.swapping,
      swapsQueued: this.swapsQueued,
      closed: this.closed,
    };
  }

  assigned(partitions: readonly number[]): Promise<void> {
    return this.serially(`assign ${partitions.join(',')}`, async () => {
      this.logger.info({ partitions }, 'partitions assigned');
      // Standby stores of these partitions are closed before their tasks open them.
      await this.standby?.reconcile(new Set([...this.tasks.keys(), ...partitions]));
      for (const p of partitions) this.open(p);
      this.notifyChanged();
    });
  }

  revoked(partitions: readonly number[]): Promise<void> {
    return this.serially(`revoke ${partitions.join(',')}`, async () => {
      this.logger.info({ partitions }, 'partitions revoked');
      await Promise.all(
        partitions.map(async (p) => {
          await this.tasks.get(p)?.close();
          this.tasks.delete(p);
          this.restarting.delete(p);
          this.stalls.forget(p);
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
      this.waits.set(partition, 'batch: recovery');
      await this.untilRecovered(task);
      this.waits.set(partition, 'batch: processing');
      await task.process(records);
      this.waits.delete(partition);
    } catch (error) {
      this.waits.delete(partition);
      // Its recovery met a transient broker error and a new task is on its way (see `open`):
      // the batch stays unresolved, its records are read again from the committed offsets.
      if (this.replacing(task) && !(error instanceof TransactionFailed)) return;
      // Not a failure: the partition starts over from the changelog and the committed offsets.
      if (error instanceof MembershipLapsed) return this.restart(partition, error);
      if (error instanceof TransactionFailed && this.mayRestart(partition, task, error)) {
        return this.restart(partition, error);
      }
      // The processor stops while the partition stalls on its store: its records are read again
      // by whoever owns the partition next, from the committed offsets.
      if (this.closed && storageUnavailable(error)) return;
      const failure = error instanceof Error ? error : new Error(String(error));
      this.fail(failure);
      throw failure;
    }
  }

  /**
   * A batch for a partition whose task still recovers (one fetched before the partition was
   * paused for a restart) waits for the recovery — but not across a lapse of the lease. A task
   * that replaces a lapsed one waits until the group confirms the membership; the group does
   * so only after this member rejoins, and kafkajs rejoins only once every batch of its fetch
   * has returned. Waiting here would hold both forever: the member stays in no generation,
   * heartbeats keep failing, and the whole group stops applying records while the service looks
   * healthy (seen on the three-broker failover test after a rolling restart). So the wait ends
   * with the lapse, which restarts the partition (its batch stays unresolved and is read again).
   */
  private async untilRecovered(task: PartitionTask): Promise<void> {
    const { lease } = this.runtime;
    if (task.state !== 'recovering' || !lease.active) return;
    let recovered = false;
    const settled = task.ready.then(
      () => {
        recovered = true;
      },
      () => {
        recovered = true; // its failure is thrown by process()
      },
    );
    while (!recovered && task.state === 'recovering') {
      if (lease.lapsed()) throw this.runtime.leaseLapsed();
      await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, LAPSE_CHECK_MS))]);
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
      this.waits.set(partition, 'drain: effects');
      await this.tasks.get(partition)?.drain();
    } catch (error) {
      this.waits.delete(partition);
      if (error instanceof MembershipLapsed) return this.restart(partition, error);
      throw error;
    }
    this.waits.set(partition, 'drain: commit');
    await this.committer.settled();
    this.waits.delete(partition);
  }

  crashed(error: Error): void {
    this.fail(error);
  }

  private open(partition: number): PartitionTask {
    const task = new PartitionTask(this.runtime, partition, this.supervision);
    this.tasks.set(partition, task);
    task.ready.then(
      () => {
        if (this.tasks.get(partition) !== task) return;
        this.failedRecoveries.delete(partition);
        this.stalls.recovered(partition);
      },
      (error: Error) => {
        // revoked or stopped (RecoveryAborted), or stalled on its store (storeUnavailable restarts it)
        if (task.state !== 'failed') return;
        if (this.mayRetryRecovery(partition, task, error)) return;
        this.fail(error);
      },
    );
    return task;
  }

  /**
   * A recovery that a transient broker error ended (registering the transactional id, reading
   * offsets or the changelog while a broker restarts): the partition starts over after a delay,
   * unless that happened MAX_RECOVERY_RETRIES times in a row — then the processor fails with it.
   */
  private mayRetryRecovery(partition: number, task: PartitionTask, error: Error): boolean {
    if (this.closed || this.tasks.get(partition) !== task || !isTransientBrokerError(error)) return false;
    const attempt = (this.failedRecoveries.get(partition) ?? 0) + 1;
    if (attempt > MAX_RECOVERY_RETRIES) return false;
    this.failedRecoveries.set(partition, attempt);
    const delayMs = recoveryRetryDelay(attempt);
    this.logger.warn(
      { partition, attempt, delayMs, err: error },
      'partition recovery met a transient broker error; it starts over',
    );
    this.restart(partition, error, delayMs);
    return true;
  }

  /**
   * The task's table store is unavailable (a full or unwritable disk): the partition starts over
   * after a backoff (partition-stall.ts), as often as it takes — the new task reopens the store
   * (LevelDB refuses every write after one failed, until reopened), recovers it from the
   * changelog and resumes at the committed offsets. Meanwhile the partition shows `stalled`.
   */
  private storeUnavailable(task: { readonly partition: number }, error: StorageUnavailable): void {
    const { partition } = task;
    if (this.closed || this.tasks.get(partition) !== task || this.restarting.has(partition)) return;
    this.restart(partition, error, this.stalls.failed(partition, error));
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
  private restart(partition: number, reason: Error, delayMs = 0): void {
    const consumer = this.consumer;
    if (!consumer || this.restarting.has(partition)) return;
    this.restarting.add(partition);
    consumer.pause(partition);
    // A stall is logged once per attempt by PartitionStalls.
    if (!storageUnavailable(reason))
      this.logger.warn({ partition, err: reason }, 'restarting a partition from its committed offsets');
    // A transient broker error: give the cluster a moment (leaders move, a broker restarts).
    // Outside the swap chain: revocations and assignments of other partitions go on meanwhile.
    const waited = delayMs > 0 ? this.delay(delayMs) : Promise.resolve();
    const swapped = waited.then(() =>
      this.serially(`restart ${partition}`, async () => {
        const old = this.tasks.get(partition);
        // Revoked meanwhile, or the processor stops.
        if (!old || !this.restarting.has(partition) || this.closed) return undefined;
        this.swapping = `restart ${partition}: closing the old task`;
        await old.close();
        this.swapping = `restart ${partition}: commit`;
        await this.committer.settled();
        const task = this.open(partition);
        this.restarting.delete(partition);
        this.notifyChanged();
        return task;
      }),
    );
    swapped
      .then(async (task) => {
        if (!task) return;
        this.restartStages.set(partition, 'recovering');
        try {
          await task.ready;
        } catch {
          this.restartStages.delete(partition);
          // Revoked (the next owner has it), or its recovery failed: `open` retries or fails.
          return;
        }
        if (this.tasks.get(partition) !== task) {
          this.restartStages.delete(partition);
          return;
        }
        this.restartStages.set(partition, 'seeking to the committed offsets');
        try {
          await consumer.seekToCommitted(partition);
          this.restartStages.delete(partition);
        } catch (error) {
          this.restartStages.delete(partition);
          const err = error instanceof Error ? error : new Error(String(error));
          if (!this.mayRetryRecovery(partition, task, err)) this.fail(err);
          return;
        }
        if (this.tasks.get(partition) === task) consumer.resume(partition);
      })
      .catch((error: unknown) => {
        if (error instanceof RecoveryAborted) return;
        this.fail(error instanceof Error ? error : new Error(String(error)));
      });
  }

  /** Resolves after `ms`, or at once when the processor stops (`close`). */
  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.set(timer, resolve);
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

  private serially<T>(label: string, work: () => Promise<T>): Promise<T> {
    this.swapsQueued++;
    const next = this.swaps.then(() => {
      this.swapsQueued--;
      this.swapping = label;
      return work();
    });
    this.swaps = next.then(
      () => {
        this.swapping = undefined;
      },
      () => {
        this.swapping = undefined;
      },
    );
    return next;
  }

  private notifyChanged(): void {
    const waiter = this.changeWaiter;
    this.changeWaiter = undefined;
    waiter?.resolve();
  }
}
