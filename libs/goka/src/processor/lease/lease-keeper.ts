import type { GroupMembership } from '../../cluster/cluster.ts';
import type { Logger } from '../../logger.ts';
import { type MembershipLapsed, MembershipLease } from './membership-lease.ts';

/**
 * A processor's side of the membership lease: notices when it runs out, has the processor stop
 * everything once per lapse, and counts lapses and dropped writes.
 */
export class LeaseKeeper {
  readonly lease = new MembershipLease();
  /** The current lapse, handled once: cleared when the lease holds again. */
  private lapse: MembershipLapsed | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Lapses handled, and the writes they dropped before the client had them. */
  lapses = 0;
  dropped = 0;

  constructor(
    private readonly logger: Logger,
    /** Stops every partition and drops what is queued; returns how many writes it dropped. */
    private readonly stopEverything: (lapse: MembershipLapsed) => number,
    /**
     * The lease holds again after `lapse`: partitions still stopped by it start over. A busy
     * partition does so at its next batch anyway; an idle one would stay stopped (and show
     * `lapsed`) until a record came.
     */
    private readonly holdsAgain: (lapse: MembershipLapsed) => void = () => undefined,
  ) {}

  /** At-least-once: follow this membership from now on. */
  start(membership: GroupMembership | undefined): void {
    this.lease.use(membership);
    this.watch();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /**
   * Wakes up when the lease would run out. The per-record check stops a batch in progress; this
   * timer covers the writes nobody processes a record for: those queued in the producer or held
   * back for coalescing when the member froze (after a freeze, the timers that expired run at
   * the start of the next turn of the event loop).
   */
  private watch(): void {
    if (!this.lease.active || this.stopped) return;
    const remaining = this.lease.remaining();
    this.timer = setTimeout(
      () => {
        if (this.lease.lapsed()) this.lapsed();
        else if (this.lapse) {
          const over = this.lapse;
          this.lapse = undefined;
          this.holdsAgain(over);
        }
        this.watch();
      },
      remaining > 0 ? remaining + 1 : 100,
    );
    this.timer.unref();
  }

  /** The lease ran out: everything stops (once per lapse). Returns the lapse. */
  lapsed(): MembershipLapsed {
    if (this.lapse) return this.lapse;
    const lapse = this.lease.error();
    this.lapse = lapse;
    this.lapses++;
    const dropped = this.stopEverything(lapse);
    this.dropped += dropped;
    this.logger.warn(
      { err: lapse, dropped },
      'group membership may have lapsed: partitions stop, queued writes dropped; they start over once the group confirms or re-hands them',
    );
    return lapse;
  }
}
