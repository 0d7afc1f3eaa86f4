import type { Consumer } from 'kafkajs';
import type { Logger } from '../../logger.ts';
import type { GroupHandler } from '../cluster.ts';
import type { HeldBatch } from './batch-handoff.ts';
import type { MembershipClock } from './membership-clock.ts';

/** A batch held longer, or a membership unconfirmed longer, is logged (again every as long). */
const STUCK_WARN_MS = 30_000;

/**
 * Says so in the log when a group member stands still: kafkajs rejoins the group only once every
 * batch of its fetch has returned and every fetcher has ended, so one batch that never returns —
 * or one fetch that never answers — stops the whole member: heartbeats fail, its lease lapses,
 * nothing is applied, while the service looks alive. Which batch waits for what (the handler's
 * `describe`), which fetches are outstanding and since when, is what a reader of the log needs.
 */
export class MemberWatchdog {
  /** Batches handed to the handler and not returned to kafkajs yet. */
  readonly batches = new Map<Promise<void>, HeldBatch>();
  /** Per broker node: when kafkajs last started a fetch and last had one answered (FETCH_START, FETCH). */
  private readonly fetches = new Map<number, { started: number; answered?: number }>();
  private warnedUnconfirmedAt = 0;

  constructor(
    private readonly logger: Logger,
    private readonly handler: GroupHandler,
    private readonly membership: MembershipClock,
  ) {}

  /** Follows a consumer's fetches (`current()`: false once another consumer replaced it). */
  follow(consumer: Consumer, current: () => boolean): void {
    this.fetches.clear();
    consumer.on(consumer.events.FETCH_START, ({ payload }) => {
      if (!current()) return;
      const node = this.fetches.get(payload.nodeId);
      if (node) node.started = Date.now();
      else this.fetches.set(payload.nodeId, { started: Date.now() });
    });
    consumer.on(consumer.events.FETCH, ({ payload }) => {
      const node = this.fetches.get(payload.nodeId);
      if (current() && node) node.answered = Date.now();
    });
  }

  /** Logs held batches and a membership the coordinator has not confirmed for long. */
  check(active: boolean, owned: readonly number[]): void {
    const now = Date.now();
    for (const held of this.batches.values()) {
      if (now - held.since < STUCK_WARN_MS || now - (held.warnedAt ?? 0) < STUCK_WARN_MS) continue;
      held.warnedAt = now;
      this.logger.warn(
        {
          topic: held.topic,
          partition: held.partition,
          heldMs: now - held.since,
          waitingFor: held.stage,
          handler: this.handler.describe?.(held.partition),
          confirmedMsAgo: this.confirmedMsAgo(now),
        },
        'a batch is held long: kafkajs cannot rejoin the group until it returns',
      );
    }
    const unconfirmed = this.confirmedMsAgo(now);
    if (!active || unconfirmed === undefined || unconfirmed < STUCK_WARN_MS) return;
    if (now - this.warnedUnconfirmedAt < STUCK_WARN_MS) return;
    this.warnedUnconfirmedAt = now;
    this.logger.warn(
      {
        confirmedMsAgo: unconfirmed,
        heldBatches: [...this.batches.values()].map(
          (b) => `${b.topic}/${b.partition} ${b.stage} ${now - b.since} ms`,
        ),
        // A fetch that failed is never "answered": read "answered" older than "started" as such.
        fetches: [...this.fetches].map(
          ([node, f]) =>
            `node ${node}: started ${now - f.started} ms ago, answered ${f.answered ? `${now - f.answered} ms ago` : 'never'}`,
        ),
        partitions: Object.fromEntries(owned.map((p) => [p, this.handler.describe?.(p)])),
      },
      'the group coordinator has not confirmed this member for long',
    );
  }

  /** Whether some broker answered a fetch of the current consumer within `ms`. */
  fetchedWithin(ms: number): boolean {
    const now = Date.now();
    for (const f of this.fetches.values())
      if (f.answered !== undefined && now - f.answered <= ms) return true;
    return false;
  }

  /** Milliseconds since the coordinator last confirmed the membership (undefined before the first join). */
  unconfirmedMs(): number | undefined {
    return this.confirmedMsAgo(Date.now());
  }

  private confirmedMsAgo(now: number): number | undefined {
    return this.membership.confirmedAt > 0 ? now - this.membership.confirmedAt : undefined;
  }
}
