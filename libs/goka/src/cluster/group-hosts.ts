/**
 * Who holds which partition of a consumer group, as every member learns it after a rebalance:
 * each member publishes its endpoint (where it answers routed reads) in its join metadata, and
 * the group leader hands the whole map partition → endpoint to every member with its
 * assignment (as Kafka Streams' AssignmentInfo carries its host map). The memory cluster builds
 * the same map (memory-group.ts). On Kafka only members that publish an endpoint read the map
 * (kafka/group-hosts-follower.ts): a group that routes nothing makes no extra request.
 */

/** What a member tells its group about itself when it joins. */
export interface MemberInfo {
  /** Where the member answers reads of its partitions (`http://host:port`); absent: nowhere. */
  readonly endpoint?: string;
  /** Whether it keeps warm standby copies of the partitions it does not own (processor `standby`). */
  readonly standby?: boolean;
}

/** The holders of one partition. */
export interface PartitionHosts {
  /** Endpoint of the member that owns the partition; undefined: its owner has no endpoint. */
  readonly active: string | undefined;
  /** Endpoints of the members that keep a standby copy (every standby member but the owner). */
  readonly standbys: readonly string[];
}

/** Index = partition. The same for every member of one group generation. */
export type GroupHosts = readonly PartitionHosts[];

/** What a group consumer tells a processor about its group's hosts (GroupConsumerOptions.routing). */
export interface GroupRoutingHooks {
  /** Read at every join: what this member publishes. */
  member(): MemberInfo;
  /**
   * The map of the latest completed rebalance; `undefined` while a rebalance is in progress, the
   * member is out of the group, or the map is not known yet.
   */
  hosts(hosts: GroupHosts | undefined): void;
}

/** The map from an assignment (member → partitions) and what each member published. */
export function groupHosts(
  assignment: ReadonlyMap<string, readonly number[]>,
  members: ReadonlyMap<string, MemberInfo>,
  partitions: number,
): PartitionHosts[] {
  const active: (string | undefined)[] = new Array(partitions).fill(undefined);
  for (const [member, owned] of assignment) {
    const endpoint = members.get(member)?.endpoint;
    for (const p of owned) if (p >= 0 && p < partitions) active[p] = endpoint;
  }
  const standbyMembers = [...members.entries()]
    .filter(([, info]) => info.standby && info.endpoint)
    .map(([id, info]) => ({ id, endpoint: info.endpoint! }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return active.map((endpoint, p) => ({
    active: endpoint,
    standbys: standbyMembers
      .filter((m) => !(assignment.get(m.id) ?? []).includes(p) && m.endpoint !== endpoint)
      .map((m) => m.endpoint),
  }));
}

/** Wire form (JSON in the assignment's user data): endpoints once, partitions as indexes. */
interface HostsWire {
  readonly endpoints: string[];
  /** Per partition: index into `endpoints`, -1 for none. */
  readonly active: number[];
  /** Per partition: indexes into `endpoints`. */
  readonly standbys: number[][];
}

export function encodeGroupHosts(hosts: GroupHosts): Buffer {
  const endpoints: string[] = [];
  const index = (endpoint: string) => {
    let i = endpoints.indexOf(endpoint);
    if (i === -1) i = endpoints.push(endpoint) - 1;
    return i;
  };
  const wire: HostsWire = {
    endpoints,
    active: hosts.map((h) => (h.active === undefined ? -1 : index(h.active))),
    standbys: hosts.map((h) => h.standbys.map(index)),
  };
  return Buffer.from(JSON.stringify({ hosts: wire }), 'utf8');
}

/** undefined: no map in the data (a leader of an older version) or unreadable. */
export function decodeGroupHosts(data: Buffer | undefined | null): PartitionHosts[] | undefined {
  if (!data || data.length === 0) return undefined;
  try {
    const parsed = JSON.parse(data.toString('utf8')) as { hosts?: Partial<HostsWire> };
    const wire = parsed.hosts;
    if (!wire || !Array.isArray(wire.endpoints) || !Array.isArray(wire.active)) return undefined;
    const endpoints = wire.endpoints.map(String);
    const at = (i: unknown) => (typeof i === 'number' && i >= 0 ? endpoints[i] : undefined);
    return wire.active.map((i, p) => ({
      active: at(i),
      standbys: (Array.isArray(wire.standbys?.[p]) ? wire.standbys[p] : [])
        .map(at)
        .filter((e): e is string => e !== undefined),
    }));
  } catch {
    return undefined;
  }
}

/** What a member published in its join metadata (JSON user data beside `owned`). */
export function memberInfoFrom(parsed: unknown): MemberInfo {
  if (typeof parsed !== 'object' || parsed === null) return {};
  const { endpoint, standby } = parsed as { endpoint?: unknown; standby?: unknown };
  return {
    ...(typeof endpoint === 'string' && endpoint.length > 0 ? { endpoint } : {}),
    ...(standby === true ? { standby: true } : {}),
  };
}
