import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';
import { coPartitionedAssignment } from '../cluster.ts';
import { encodeGroupHosts, groupHosts, type MemberInfo, memberInfoFrom } from '../group-hosts.ts';

const { MemberAssignment, MemberMetadata } = AssignerProtocol;
const NO_DATA = Buffer.alloc(0);

/**
 * Partition p of every subscribed topic goes to the same member (the processor's input topics,
 * its loop topic); members get an even share. Sticky: each member sends the partitions it owns
 * in its join metadata, and keeps them where the shares allow. Runs on the group leader with
 * fresh metadata.
 *
 * Routed reads: each member also sends what `member()` tells (its endpoint, whether it keeps
 * standbys), and the leader puts the whole map partition → endpoint into every member's
 * assignment user data (group-hosts.ts), so every member learns who owns what.
 */
export function coPartitionedAssigner(
  owned: () => readonly number[],
  member: () => MemberInfo = () => ({}),
): PartitionAssigner {
  return ({ cluster }) => ({
    name: 'GokaCoPartitioned',
    version: 1,
    async assign({ members, topics }) {
      const counts = new Map(topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).length]));
      const partitions = Math.max(0, ...counts.values());
      const published = new Map(members.map((m) => [m.memberId, publishedBy(m.memberMetadata)]));
      const previous = new Map([...published].map(([id, p]) => [id, p.owned]));
      const byMember = coPartitionedAssignment(
        members.map((m) => m.memberId),
        partitions,
        previous,
      );
      const info = new Map([...published].map(([id, p]) => [id, p.info]));
      // One map for everybody; without any endpoint in the group there is nothing to route.
      const routed = [...info.values()].some((i) => i.endpoint !== undefined);
      const userData = routed ? encodeGroupHosts(groupHosts(byMember, info, partitions)) : NO_DATA;
      return members.map(({ memberId }) => {
        const mine = byMember.get(memberId) ?? [];
        const assignment: Record<string, number[]> = {};
        for (const [topic, count] of counts) assignment[topic] = mine.filter((p) => p < count);
        return {
          memberId,
          memberAssignment: MemberAssignment.encode({ version: 1, assignment, userData }),
        };
      });
    },
    protocol({ topics }) {
      const userData = Buffer.from(JSON.stringify({ owned: [...owned()], ...member() }), 'utf8');
      return {
        name: 'GokaCoPartitioned',
        metadata: MemberMetadata.encode({ version: 1, topics, userData }),
      };
    },
  });
}

/**
 * The partitions a member said it owns and what it published for routed reads; anything
 * unreadable counts as nothing.
 */
function publishedBy(metadata: Buffer): { owned: number[]; info: MemberInfo } {
  try {
    const { userData } = MemberMetadata.decode(metadata) ?? {};
    if (!userData || userData.length === 0) return { owned: [], info: {} };
    const parsed: unknown = JSON.parse(userData.toString('utf8'));
    const list = (parsed as { owned?: unknown }).owned;
    return {
      owned: Array.isArray(list) ? list.filter((p): p is number => Number.isInteger(p)) : [],
      info: memberInfoFrom(parsed),
    };
  } catch {
    return { owned: [], info: {} };
  }
}

/**
 * For a reader's private, single-member group: every member gets exactly the partitions the
 * reader asked for. A second member can only be a stale incarnation of the same reader (after a
 * crash and restart of its kafkajs consumer, until the old session expires); giving it the same
 * partitions is harmless, as it no longer fetches.
 */
export function fixedAssigner(topic: string, partitions: readonly number[]): PartitionAssigner {
  return () => ({
    name: 'GokaFixed',
    version: 1,
    async assign({ members }) {
      const memberAssignment = MemberAssignment.encode({
        version: 1,
        assignment: { [topic]: [...partitions] },
        userData: NO_DATA,
      });
      return members.map(({ memberId }) => ({ memberId, memberAssignment }));
    },
    protocol({ topics }) {
      return {
        name: 'GokaFixed',
        metadata: MemberMetadata.encode({ version: 1, topics, userData: NO_DATA }),
      };
    },
  });
}
