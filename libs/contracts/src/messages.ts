import { json } from '@showcase/goka';
import { defineTopic } from './topic.ts';

/** One chat message as the sender wrote it (before any spam filtering). */
export interface MessageSent {
  /** Event id, also the message id clients see. */
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  /** When the API accepted it, ms since epoch. */
  readonly sentAt: number;
}

/**
 * Every message a user sends, keyed by the sender so that one sender's messages stay in order
 * and co-partitioned with per-user tables (anti-spam's detector, blocker, filter).
 */
export const messagesSent = defineTopic<MessageSent>({
  name: 'messages-sent',
  key: 'sender user id (MessageSent.from)',
  event: 'MessageSent',
  codec: json<MessageSent>(),
  kind: 'stream',
  owner: 'anti-spam',
  description: 'Messages accepted by POST /messages, unfiltered; anti-spam decides what is delivered.',
});
