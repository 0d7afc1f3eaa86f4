import type { Logger } from '../../logger.ts';
import { decodeGroupHosts, type GroupRoutingHooks } from '../group-hosts.ts';
import type { TopicAdmin } from './admin.ts';

/** Attempts to read the map after a join (the group may still be completing the rebalance). */
const ATTEMPTS = 30;
const retryDelay = (attempt: number) => Math.min(1000, 50 * 2 ** attempt);

/**
 * A kafkajs member's view of its group's host map (routed reads, group-hosts.ts). The leader
 * writes the map into every member's assignment user data, but kafkajs keeps only the
 * partitions of what SyncGroup returns; so after each join the member reads its own assignment
 * from the coordinator (DescribeGroups), once the group is stable. Until then, and from the
 * moment a rebalance begins, the map is unknown: routed reads answer "unavailable".
 */
export class GroupHostsFollower {
  /** Bumped at every change: a read that started before it is stale. */
  private generation = 0;

  constructor(
    private readonly group: string,
    private readonly admin: TopicAdmin,
    private readonly hooks: GroupRoutingHooks | undefined,
    private readonly logger: Logger,
  ) {}

  /** A rebalance began, the member crashed or stops: nobody is known to own anything. */
  unknown(): void {
    if (!this.hooks) return;
    this.generation++;
    this.hooks.hosts(undefined);
  }

  /**
   * Joined as `memberId`: reads the leader's map from the coordinator (in the background).
   * Only a member that publishes an endpoint asks: routing is opt-in, and the groups of a
   * service that routes nothing make no extra request per rebalance.
   */
  joined(memberId: string): void {
    if (!this.hooks) return;
    const generation = ++this.generation;
    this.hooks.hosts(undefined);
    if (this.hooks.member().endpoint === undefined) return;
    void this.read(this.hooks, memberId, generation);
  }

  private async read(hooks: GroupRoutingHooks, memberId: string, generation: number): Promise<void> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        const { state, userData, found } = await this.admin.memberAssignment(this.group, memberId);
        if (generation !== this.generation) return;
        // Out of the group, or a new rebalance began: the next join reads again.
        if (!found || state === 'PreparingRebalance' || state === 'Dead' || state === 'Empty') return;
        if (state === 'Stable') {
          hooks.hosts(decodeGroupHosts(userData));
          return;
        }
      } catch (error) {
        if (generation !== this.generation) return;
        this.logger.debug({ err: error }, 'reading the group host map failed; retrying');
      }
      await new Promise((resolve) => setTimeout(resolve, retryDelay(attempt)).unref());
      if (generation !== this.generation) return;
    }
    this.logger.warn('the group host map could not be read after the join; routed reads wait for the next');
  }
}
