import type { OffsetTracker } from './offset-tracker.ts';

/** Hears when a message's effects are all acknowledged, or when one of them failed. */
export interface EffectsOutcome {
  effectsDone(done: MessageDone): void;
  effectsFailed(done: MessageDone, error: Error): void;
}

/**
 * One message from its start until every effect it had is acknowledged; `finish()` then marks
 * its offset done in the tracker. One object per message instead of closures: a closure per
 * message and per effect (with its context) was a measurable share of the per-record
 * allocations, and tsx wraps every closure it creates in a `__name` call.
 */
export class MessageDone {
  /** Effects sent and not acknowledged yet. */
  pending = 0;
  /** Told when `pending` reaches 0 or an effect fails. */
  outcome: EffectsOutcome | undefined;
  private failed = false;

  constructor(
    private readonly onFinish: (topic: string, tracker: OffsetTracker, slot: number) => void,
    readonly topic: string,
    readonly tracker: OffsetTracker,
    readonly slot: number,
  ) {}

  /** The message is done: its offset may become committable. */
  finish(): void {
    this.onFinish(this.topic, this.tracker, this.slot);
  }

  /** One effect's outcome; the first failure ends the message (it never finishes). */
  acked(error: Error | undefined): void {
    if (this.failed) return;
    if (error) {
      this.failed = true;
      this.outcome?.effectsFailed(this, error);
    } else if (--this.pending === 0) {
      this.outcome?.effectsDone(this);
    }
  }

  /** The batching producer's callback for a record of this message. */
  sent(error: Error | undefined): void {
    this.acked(error);
  }
}
