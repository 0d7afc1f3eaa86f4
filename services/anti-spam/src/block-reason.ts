import type { BlockState } from '@showcase/contracts';

/** Why a user is blocked, for the user: no score, no features, no detector internals. */
export function plainReason(block: BlockState | undefined): string | null {
  if (!block?.blocked) return null;
  switch (block.source) {
    case 'manual':
      return 'blocked by a moderator; your messages are not delivered. Contact the moderators to appeal.';
    case 'report':
      return 'blocked because several users reported your messages; they are not delivered until a moderator reviews your account.';
    case 'detector':
      return 'blocked because your messages looked like spam; they are not delivered until a moderator verifies your account.';
    default:
      return 'blocked; your messages are not delivered.';
  }
}
