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
      await options.consumer?.disconnect().catch(() => undefined);
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

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
