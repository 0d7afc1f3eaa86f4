import { json } from '@showcase/goka';
import { defineTopic } from './topic.ts';

/** Who put a block in place. Verification lifts `detector` and `report` blocks, never `manual`. */
export type BlockSource = 'manual' | 'detector' | 'report';

interface BlockEventBase {
  /** Event id (idempotency, tracing). */
  readonly id: string;
  /** The user the event is about (also the record key). */
  readonly user: string;
  /** Admin user id, or `detector` for automatic decisions. */
  readonly by: string;
  /** ms since epoch. */
  readonly at: number;
}

export interface BlockCommand extends BlockEventBase {
  readonly type: 'block';
  readonly source: BlockSource;
  readonly reason: string;
  /** Spam score at the time of an automatic block. */
  readonly score?: number;
}

export interface UnblockCommand extends BlockEventBase {
  readonly type: 'unblock';
  readonly reason?: string;
}

export interface VerifyCommand extends BlockEventBase {
  readonly type: 'verify';
}

export type BlockEvent = BlockCommand | UnblockCommand | VerifyCommand;

/**
 * Block decisions about a user, from moderators (manual) and from anti-spam's detector. The
 * blocker group folds them into `spamBlockTable`.
 */
export const spamBlockEvents = defineTopic<BlockEvent>({
  name: 'spam-block-events',
  key: 'user id the decision is about (BlockEvent.user)',
  event: 'BlockEvent',
  codec: json<BlockEvent>(),
  kind: 'stream',
  owner: 'anti-spam',
  description: 'block / unblock / verify decisions; other services may follow them for their own features',
});

/** Current block state of a user; absent key = never blocked, not verified. */
export interface BlockState {
  readonly user: string;
  readonly blocked: boolean;
  /** Source of the current (or last) block; null when never blocked. */
  readonly source: BlockSource | null;
  readonly reason: string | null;
  /** When the current block started (ms since epoch); null when not blocked. */
  readonly since: number | null;
  /** Verified users are exempt from automatic (detector/report) blocks. */
  readonly verified: boolean;
  /** Score of the last automatic block. */
  readonly score: number | null;
  readonly updatedAt: number;
}

/**
 * The anti-spam blocker group's table. Services that must hide spammers (match-search,
 * recommender) read it with `lookup(spamBlockTable.name, spamBlockTable.codec)`.
 */
export const spamBlockTable = defineTopic<BlockState>({
  name: 'anti-spam-blocker-table',
  key: 'user id',
  event: 'BlockState',
  codec: json<BlockState>(),
  kind: 'table',
  owner: 'anti-spam',
  description: 'Whether a user is blocked as a spammer, by whom and why (compacted changelog)',
});
