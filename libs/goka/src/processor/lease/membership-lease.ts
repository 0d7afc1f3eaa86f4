import { RecoveryAborted } from '../../abort.ts';
import type { GroupMembership } from '../../cluster/cluster.ts';

/**
 * The group coordinator has not confirmed this member for nearly a session: it may have been
 * expelled (it froze past its session) and its partitions may already be processed by others.
 * Whatever it computed since comes from state the new owners have moved on from. Not a failure:
 * the partition stops like a revocation and starts over once the group confirms or re-hands it.
 */
export class MembershipLapsed extends Error {
  constructor(silentMs: number) {
    super(`no heartbeat acknowledged for ${silentMs} ms: the group membership may have lapsed`);
    this.name = 'MembershipLapsed';
  }
}

/**
 * Share of the session timeout kept as a margin: the lease runs out this much before the
 * coordinator could expel the member, so a write checked just before that still reaches the
 * broker in time (produce latency, a slow event loop under load).
 */
const MARGIN = 0.25;

/** How often a lapsed lease is checked again while partitions wait for the group. */
const RECHECK_MS = 100;

/**
 * A processor member's lease on its group membership, read before every record (hot path: one
 * `Date.now()`, one subtraction, one comparison; no allocation). At-least-once only: exactly-once
 * needs none, the next owner's transactional producer fences a zombie's writes.
 */
export class MembershipLease {
  private membership: GroupMembership | undefined;
  /** How long without confirmation the lease holds. */
  private limit = Number.POSITIVE_INFINITY;

  /** The group consumer's membership; absent (memory cluster without sessions): never lapses. */
  use(membership: GroupMembership | undefined): void {
    this.membership = membership;
    this.limit = membership ? membership.sessionTimeoutMs * (1 - MARGIN) : Number.POSITIVE_INFINITY;
  }

  get active(): boolean {
    return this.membership !== undefined;
  }

  /** The group's session timeout (undefined without a membership). */
  get sessionMs(): number | undefined {
    return this.membership?.sessionTimeoutMs;
  }

  /**
   * Whether the membership may have lapsed by now. Never confirmed (`confirmedAt` 0): the member
   * has not joined yet and owns nothing, so there is nothing to stop.
   */
  lapsed(): boolean {
    const m = this.membership;
    return m !== undefined && m.confirmedAt > 0 && Date.now() - m.confirmedAt > this.limit;
  }

  /** Milliseconds until the lease runs out unless confirmed again (<= 0: it has). */
  remaining(): number {
    const m = this.membership;
    return m === undefined ? Number.POSITIVE_INFINITY : m.confirmedAt + this.limit - Date.now();
  }

  /** The error that tells the partitions to stop. */
  error(): MembershipLapsed {
    const m = this.membership;
    return new MembershipLapsed(m ? Date.now() - m.confirmedAt : 0);
  }

  /** Resolves once the lease holds again; rejects with `RecoveryAborted` when `signal` aborts. */
  async confirmed(signal: AbortSignal, name: string): Promise<void> {
    while (this.lapsed()) {
      if (signal.aborted) throw new RecoveryAborted(name);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, RECHECK_MS);
        signal.addEventListener('abort', done, { once: true });
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
      });
    }
    if (signal.aborted) throw new RecoveryAborted(name);
  }
}
