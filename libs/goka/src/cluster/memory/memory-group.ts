import {
  type CommitOffset,
  coPartitionedAssignment,
  type GroupHandler,
  type GroupMembership,
} from '../cluster.ts';
import { type GroupRoutingHooks, groupHosts, type MemberInfo } from '../group-hosts.ts';
import type { MemoryTopic } from './partition-log.ts';
import { Pump } from './pump.ts';

interface Member {
  readonly id: string;
  readonly handler: GroupHandler;
  /** Routed reads: what the member publishes and where it learns the host map. */
  readonly routing: GroupRoutingHooks | undefined;
  partitions: number[];
  pumps: Pump[];
  /** Partitions the handler paused: their pumps are stopped (or stopping) until `resume`. */
  readonly paused: Set<number>;
}

/**
 * A consumer group of the memory cluster: its members, its committed offsets and its eager
 * rebalances (every member gives up everything, then the co-partitioned, sticky assignment is
 * handed out anew), run one after another like a group coordinator's generations.
 */
export class MemoryGroup {
  readonly members = new Map<string, Member>();
  /** Next offset to read per `topic/partition`. */
  private readonly committed = new Map<string, number>();
  /** What each member owned before the current rebalance. */
  private readonly previous = new Map<string, readonly number[]>();
  private chain: Promise<void> = Promise.resolve();
  rebalancing = 0;
  /** Since when no heartbeat of this group's members is acknowledged (a simulated freeze). */
  private stalledSince: number | undefined;
  /**
   * Every member's membership: confirmed continuously (a member of an in-process group never
   * misses a heartbeat) unless `stallHeartbeats` simulates a member that froze. No timers.
   */
  readonly membership: GroupMembership;

  constructor(
    readonly id: string,
    readonly topics: readonly string[],
    private readonly topic: (name: string) => MemoryTopic,
    private readonly maxBatch: number,
    sessionTimeoutMs: number,
  ) {
    const group = this;
    this.membership = {
      get confirmedAt() {
        return group.stalledSince ?? Date.now();
      },
      sessionTimeoutMs,
    };
  }

  /** From now on no heartbeat is acknowledged: the members' leases run out after the session. */
  stallHeartbeats(): void {
    this.stalledSince ??= Date.now();
  }

  /**
   * Heartbeats are acknowledged again. `expel`: the coordinator had expelled the members
   * meanwhile — they rejoin as new members and every partition is revoked and handed out anew.
   */
  resumeHeartbeats({ expel = false } = {}): Promise<void> {
    this.stalledSince = undefined;
    if (!expel) return Promise.resolve();
    return this.enqueue(async () => {
      await this.revokeAll();
      await this.assignAll();
    });
  }

  /** A member joins: a rebalance hands it its share. */
  join(id: string, handler: GroupHandler, routing?: GroupRoutingHooks): Promise<void> {
    return this.enqueue(async () => {
      this.members.set(id, { id, handler, routing, partitions: [], pumps: [], paused: new Set() });
      await this.revokeAll();
      await this.assignAll();
    });
  }

  /** A member leaves: its partitions go to the others. */
  leave(id: string): Promise<void> {
    return this.enqueue(async () => {
      const leaving = this.members.get(id);
      if (!leaving) return;
      await this.revokeAll();
      this.members.delete(id);
      leaving.routing?.hosts(undefined);
      await this.assignAll();
    });
  }

  /** Commits only move forward. */
  commit(offsets: readonly CommitOffset[]): void {
    for (const commit of offsets) {
      const key = `${commit.topic}/${commit.partition}`;
      if ((this.committed.get(key) ?? -1) < commit.offset) this.committed.set(key, commit.offset);
    }
  }

  committedOffset(topic: string, partition: number): number | undefined {
    return this.committed.get(`${topic}/${partition}`);
  }

  /** Rebalances run one after another, like a group coordinator's generations. */
  private enqueue(work: () => Promise<void>): Promise<void> {
    this.rebalancing++;
    const next = this.chain.then(work).finally(() => {
      this.rebalancing--;
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async revokeAll(): Promise<void> {
    // A rebalance begins: nobody knows who owns what until it ends (as a Kafka member learns
    // the map only with its next assignment).
    for (const member of this.members.values()) member.routing?.hosts(undefined);
    for (const member of this.members.values()) {
      await Promise.all(member.pumps.map((p) => p.stop()));
      member.pumps = [];
      member.paused.clear();
      if (member.partitions.length > 0) await member.handler.revoked(member.partitions);
      // Remembered for a sticky assignment, like a Kafka member's user data.
      this.previous.set(member.id, member.partitions);
      member.partitions = [];
    }
  }

  private async assignAll(): Promise<void> {
    if (this.members.size === 0) return;
    const counts = this.topics.map((t) => this.topic(t).logs.length);
    const partitions = Math.max(...counts);
    const assignment = coPartitionedAssignment([...this.members.keys()], partitions, this.previous);
    this.previous.clear();
    for (const member of this.members.values()) {
      member.partitions = assignment.get(member.id) ?? [];
      await member.handler.assigned(member.partitions);
    }
    // Every member learns the same map, as the Kafka leader hands it out with the assignment.
    const info = new Map<string, MemberInfo>(
      [...this.members.values()].map((m) => [m.id, m.routing?.member() ?? {}]),
    );
    const hosts = groupHosts(assignment, info, partitions);
    for (const member of this.members.values()) member.routing?.hosts(hosts);
    for (const member of this.members.values()) {
      member.pumps = member.partitions.map((partition) => this.pump(member, partition));
    }
  }

  /**
   * Stops delivering the member's partition. Not awaited: the handler may pause from inside a
   * batch, which the pump is waiting for; the pump ends after it. Its records stay uncommitted.
   */
  pause(memberId: string, partition: number): void {
    const member = this.members.get(memberId);
    const index = member?.partitions.indexOf(partition) ?? -1;
    if (!member || index === -1 || member.paused.has(partition)) return;
    member.paused.add(partition);
    void member.pumps[index]?.stop();
  }

  /**
   * Delivers the paused partition again, from the committed offsets (a pump reads them when it
   * starts, like a Kafka seek to the committed offsets), once the paused pump has ended.
   */
  resume(memberId: string, partition: number): void {
    const member = this.members.get(memberId);
    const index = member?.partitions.indexOf(partition) ?? -1;
    if (!member || index === -1 || !member.paused.delete(partition)) return;
    const stopped = member.pumps[index]?.stop() ?? Promise.resolve();
    member.pumps[index] = this.pump(member, partition, stopped);
  }

  /** `gate`: what delivery waits for; by default the handler's readiness of the partition. */
  private pump(member: Member, partition: number, gate = member.handler.ready?.(partition)): Pump {
    const sources = () =>
      this.topics
        .filter((t) => partition < this.topic(t).logs.length)
        .map((t) => {
          const log = this.topic(t).log(partition);
          return { log, position: Math.max(this.committedOffset(t, partition) ?? 0, log.low) };
        });
    // Like the Kafka consumer, a partition's records are held back until it is ready (its
    // tables recovered), so a revocation never waits behind a batch blocked on recovery.
    return new Pump(
      sources,
      this.maxBatch,
      (records) => member.handler.batch(partition, records),
      (error) => member.handler.crashed(error),
      gate,
    );
  }
}
