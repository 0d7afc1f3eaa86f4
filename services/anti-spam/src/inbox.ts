import type { View } from '@showcase/goka';
import { type InboxHead, type InboxMessage, inboxEntryRange } from './model.ts';

/** The two views an inbox is read from: the collector's heads and the entry rows. */
export interface InboxViews {
  /** Per user: total delivered and the last ids (the collector's table). */
  readonly inbox: View<InboxHead>;
  /** Per message: `<user>|<seq>` rows of anti-spam-inbox. */
  readonly inboxEntries: View<InboxMessage>;
}

/**
 * A user's inbox from the entry rows (a key range of the entries view; the view merges its
 * partitions in key order): the last `limit` messages with seq > `after`, oldest first. `total`
 * is the head's count, or the highest seq seen if the entries' view is ahead of the head's.
 * Entries beyond the last `size` whose tombstone has not arrived yet are left out.
 */
export async function readInbox(
  views: InboxViews,
  user: string,
  size: number,
  options: { limit?: number; after?: number } = {},
): Promise<{ messages: InboxMessage[]; total: number }> {
  const head = await views.inbox.get(user);
  const newest: InboxMessage[] = [];
  const range = inboxEntryRange(user, (options.after ?? 0) + 1);
  for await (const [, m] of views.inboxEntries.iterate({ ...range, reverse: true, limit: size })) {
    newest.push(m);
  }
  const total = Math.max(head?.total ?? 0, newest[0]?.seq ?? 0);
  const live = newest.filter((m) => m.seq > total - size);
  const messages = live.slice(0, options.limit ?? size).reverse();
  return { messages, total };
}
