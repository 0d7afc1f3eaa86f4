/**
 * Cancellation of the recovery path. A stop or a revocation aborts a signal; every await on the
 * way from "partition assigned" to "partition running" either observes it (`throwIfStopped`)
 * or races it (`abortable`), so nothing keeps replaying a changelog for an owner that is gone.
 */

/** Recovery was stopped (revocation, shutdown) before it finished: not a failure. */
export class RecoveryAborted extends Error {
  constructor(name: string) {
    super(`${name}: stopped before recovery finished`);
    this.name = 'RecoveryAborted';
  }
}

/** Throws `RecoveryAborted` when the signal is aborted. */
export function throwIfStopped(signal: AbortSignal | undefined, name: string): void {
  if (signal?.aborted) throw new RecoveryAborted(name);
}

/**
 * Resolves like `work`, or rejects with `RecoveryAborted` as soon as the signal aborts. The work
 * itself goes on (a kafkajs call cannot be cancelled); its result is dropped.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, name: string): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new RecoveryAborted(name));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new RecoveryAborted(name));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
