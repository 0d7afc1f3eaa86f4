/**
 * Thrown by a group handler's `batch` when a partition must start over from its committed state:
 * its exactly-once transaction failed and was aborted, so the records, table writes and offsets
 * of the batch are all undone. The consumer keeps the partition, but drops its task, builds a new
 * one (a new transactional producer fences whoever bumped the epoch, the table recovers from the
 * changelog) and resumes at the committed offsets once that task is ready.
 *
 * Why this happens at all: a producer's `InitProducerId` cannot be cancelled. A partition that
 * is revoked while its task still registers its transactional id leaves that request (and
 * kafkajs' retries of it) running; when it lands after the next owner's own registration, it
 * bumps the epoch and fences the next owner, whose first transaction then fails with "old
 * epoch". Other failed transactions (a broker that went away, retries used up) are the same
 * case: the transaction is aborted, the partition's committed state is intact.
 */
export class PartitionRestart extends Error {
  constructor(
    readonly partition: number,
    readonly reason: Error,
  ) {
    super(`${reason.message}; the partition restarts from its committed offsets`, { cause: reason });
    this.name = 'PartitionRestart';
  }
}

/** The failed transaction of a partition task: aborted, nothing of the batch remains. */
export class TransactionFailed extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'TransactionFailed';
  }
}

/**
 * Whether a partition whose transaction failed may start over rather than fail the processor:
 * yes, unless its last `limit` restarts in a row did not get a single transaction committed —
 * a partition that cannot make progress (a record the broker always refuses, a coordinator
 * that keeps saying no) fails visibly instead of restarting forever.
 */
export class RestartBudget {
  private readonly inARow = new Map<number, number>();

  constructor(private readonly limit: number) {}

  /** Counts a restart of `partition`; `progressed`: its task committed a transaction since the last one. */
  allow(partition: number, progressed: boolean): { allowed: boolean; inARow: number } {
    const inARow = progressed ? 1 : (this.inARow.get(partition) ?? 0) + 1;
    this.inARow.set(partition, inARow);
    return { allowed: inARow <= this.limit, inARow };
  }
}
