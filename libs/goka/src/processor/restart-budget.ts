/**
 * The failed transaction of a partition task: aborted, nothing of the batch remains, so the
 * partition may start over from its committed state (see PartitionTasks.restart).
 */
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
