import type { GroupHosts, GroupRoutingHooks, MemberInfo } from '../cluster/group-hosts.ts';
import type { Owner } from './owner.ts';

/**
 * One processor's side of routed reads: the endpoint it publishes when it joins its group, the
 * group's latest map partition → endpoint (every member learns it after each rebalance), and
 * the answer to "who owns partition p". Whether this instance can answer a partition itself
 * comes from its partition tasks (`local`), not from the map: the map lags a join by a moment.
 */
export class GroupRouting implements GroupRoutingHooks {
  private map: GroupHosts | undefined;
  /** Set before start (or before the next rebalance, which publishes it). */
  endpoint: string | undefined;

  constructor(
    endpoint: string | undefined,
    private readonly standby: boolean,
    /** Whether this instance owns the partition and has recovered it. */
    private readonly local: (partition: number) => boolean,
  ) {
    this.endpoint = endpoint;
  }

  member(): MemberInfo {
    return {
      ...(this.endpoint ? { endpoint: this.endpoint } : {}),
      ...(this.standby ? { standby: true } : {}),
    };
  }

  hosts(hosts: GroupHosts | undefined): void {
    this.map = hosts;
  }

  /** The group's map of the latest completed rebalance; undefined while none is known. */
  get current(): GroupHosts | undefined {
    return this.map;
  }

  owner(partition: number): Owner {
    if (this.local(partition)) return { kind: 'local', partition };
    const hosts = this.map?.[partition];
    if (!hosts) return { kind: 'unavailable', partition, reason: 'no owner known (rebalancing)' };
    if (hosts.active === undefined) {
      return { kind: 'unavailable', partition, reason: 'the owner publishes no endpoint' };
    }
    // The map names this instance but the partition is not ready here: it still recovers.
    if (hosts.active === this.endpoint) {
      return { kind: 'unavailable', partition, reason: 'the partition is recovering here' };
    }
    return { kind: 'remote', partition, endpoint: hosts.active, standbys: hosts.standbys };
  }
}
