import type { Consumer } from 'kafkajs';

/**
 * What every long-lived kafkajs consumer of this library needs around kafkajs itself: heartbeats
 * while one batch takes long, and a fresh consumer when kafkajs gave up. Shared by the readers
 * (topic-lane.ts) and the group consumer (group-consumer.ts).
 */

/** How long after kafkajs gave up a new consumer is opened. */
export const REOPEN_DELAY_MS = 2_000;

/**
 * Sends heartbeats every `intervalMs` until the returned function is called: kafkajs only
 * heartbeats between batches, so a batch that takes longer than the session would otherwise
 * cost the member its place in the group.
 */
export function keepAlive(heartbeat: () => Promise<void>, intervalMs: number): () => void {
  const timer = setInterval(() => {
    heartbeat().catch(() => undefined); // a lost heartbeat shows as a rebalance after the batch
  }, intervalMs);
  return () => clearInterval(timer);
}

export interface ReopenOptions {
  /** The consumer that gave up: disconnected before the new one opens. */
  readonly consumer: Consumer | undefined;
  /** Still wanted? Checked after the delay and after the disconnect. */
  readonly active: () => boolean;
  /** Opens the replacement (connect, subscribe, run). */
  readonly open: () => Promise<void>;
  /** The replacement could not be opened either: decide again (usually: reopen later). */
  readonly failed: (error: Error) => void;
  readonly delayMs?: number;
}

/**
 * kafkajs gives up on errors it deems permanent, yet most come from the broker side and pass (a
 * coordinator not found right after a restart). After a delay the old consumer is disconnected
 * and a new one opened; if that fails too, `failed` decides what next. Returns a cancel function
 * (for stop()).
 */
export function reopenLater(options: ReopenOptions): () => void {
  let cancelled = false;
  const timer = setTimeout(() => {
    void (async () => {
      // A stuck consumer's disconnect may never finish (it waits for its runner): bounded.
      if (options.consumer) await settlesWithin(options.consumer.disconnect(), OPENING_GRACE_MS);
      if (cancelled || !options.active()) return;
      try {
        await options.open();
      } catch (error) {
        if (!cancelled && options.active()) options.failed(asError(error));
      }
    })();
  }, options.delayMs ?? REOPEN_DELAY_MS);
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}

/**
 * How long stop() waits for a consumer that is still connecting or joining when it is told to
 * go. Its disconnect closes the connections, which fails a join in flight at once; only a
 * connect to an unreachable broker goes on (kafkajs retries it for minutes). Past this time
 * stop() returns and the late consumer disconnects itself as soon as kafkajs hands it back
 * (`openWhileWanted`), so nothing stays connected either way.
 */
export const OPENING_GRACE_MS = 5_000;

/**
 * Connects, subscribes and runs a kafkajs consumer — unless it is no longer wanted: checked
 * after each step, since kafkajs does not stop a consumer whose disconnect() landed while it
 * connected or joined (its runner is not "running" yet, so stop() does nothing, and the join
 * that completes afterwards starts fetching on reopened connections). A consumer found
 * unwanted disconnects itself. Returns whether it runs.
 */
export async function openWhileWanted(
  consumer: Consumer,
  wanted: () => boolean,
  steps: { subscribe(): Promise<void>; run(): Promise<void> },
): Promise<boolean> {
  const unwanted = async () => {
    if (wanted()) return false;
    await consumer.disconnect().catch(() => undefined);
    return true;
  };
  await consumer.connect();
  if (await unwanted()) return false;
  await steps.subscribe();
  if (await unwanted()) return false;
  await steps.run();
  return !(await unwanted());
}

/** Whether `work` settles within `ms` (a slow one goes on in the background; never rejects). */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      work.then(
        () => true as const,
        () => true as const,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
