import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';
import { coPartitionedAssignment } from '../cluster.ts';

const { MemberAssignment, MemberMetadata } = AssignerProtocol;
const NO_DATA = Buffer.alloc(0);

/**
 * Partition p of every subscribed topic goes to the same member (the processor's input topics,
 * its loop topic); members get an even share. Runs on the group leader with fresh metadata.
 */
export const coPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'GokaCoPartitioned',
  version: 1,
  async assign({ members, topics }) {
    const counts = new Map(topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).length]));
    const partitions = Math.max(0, ...counts.values());
    const byMember = coPartitionedAssignment(
      members.map((m) => m.memberId),
      partitions,
    );
    return members.map(({ memberId }) => {
      const mine = byMember.get(memberId) ?? [];
      const assignment: Record<string, number[]> = {};
      for (const [topic, count] of counts) assignment[topic] = mine.filter((p) => p < count);
      return {
        memberId,
        memberAssignment: MemberAssignment.encode({ version: 1, assignment, userData: NO_DATA }),
      };
    });
  },
  protocol({ topics }) {
    return {
      name: 'GokaCoPartitioned',
      metadata: MemberMetadata.encode({ version: 1, topics, userData: NO_DATA }),
    };
  },
});

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
