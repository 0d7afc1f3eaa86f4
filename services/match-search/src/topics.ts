import { edgePairTable, spamBlockTable, userTable } from '@showcase/contracts';
import { tableTopic } from '@showcase/goka';

/**
 * match-search's groups. Its only internal topics are the group's table and loop; every topic it
 * reads or writes crosses a service border and is declared in libs/contracts.
 */
export const groups = {
  users: 'match-search-users',
} as const;

if (userTable.name !== tableTopic(groups.users)) {
  throw new Error(`contract ${userTable.name} must be the table of group ${groups.users}`);
}

/** Tables the search reads: its own users, anti-spam's blocks, edge-set's pairs (for block edges). */
export const tables = {
  users: userTable,
  spamBlocks: spamBlockTable,
  pairs: edgePairTable,
} as const;
