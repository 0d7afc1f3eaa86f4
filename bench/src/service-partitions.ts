/**
 * The partition count of every scenario that starts the real services (7 http, 8 match-search,
 * 12 platform). Their topics are contract topics with fixed names, shared by the services: a
 * service checks every topic it reads — its own and other services' tables — against its
 * PARTITIONS and refuses to start on a mismatch. So within one broker every such scenario must use
 * the count the first one created, whatever the order of scenarios; before, 7 created anti-spam's
 * topics at the services' default (4) and 8 then asked for 6 and failed
 * (`topic "anti-spam-blocker-table" exists with 4 partitions, expected 6`).
 */
import {
  edgePairTable,
  interactions,
  messagesSent,
  spamBlockTable,
  userTable,
  userUpdates,
} from '@showcase/contracts';
import type { Cluster } from '@showcase/goka';

/** The services' own default (PARTITIONS in service-kit's process-main), as `npm start` runs them. */
export const SERVICE_DEFAULT_PARTITIONS = 4;

/** Contract topics some service creates at start-up; any of them fixes the count. */
const CONTRACT_TOPICS = [
  messagesSent.name,
  spamBlockTable.name,
  userUpdates.name,
  userTable.name,
  interactions.name,
  edgePairTable.name,
];

/**
 * The count of the contract topics already on the broker (a shared broker: an earlier scenario,
 * another run, the test suite), else the services' default. Contract topics that disagree with
 * each other are an error no choice here can fix, so it says which.
 */
export async function servicePartitions(cluster: Cluster): Promise<number> {
  const counts = new Map<string, number>();
  for (const topic of CONTRACT_TOPICS) {
    const n = await cluster.partitionCount(topic);
    if (n !== undefined) counts.set(topic, n);
  }
  const distinct = new Set(counts.values());
  if (distinct.size > 1) {
    const list = [...counts].map(([t, n]) => `${t}: ${n}`).join(', ');
    throw new Error(`the services' contract topics on this broker disagree on partitions (${list})`);
  }
  return [...distinct][0] ?? SERVICE_DEFAULT_PARTITIONS;
}
