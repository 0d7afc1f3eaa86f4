import { messagesSent, spamBlockTable } from '@showcase/contracts';
import { defineGroup, input, join, output, persist } from '@showcase/goka';
import type { FilterStats } from '../model.ts';
import { deliveries, groups, tables } from '../topics.ts';

const blockTable = join(spamBlockTable.name, spamBlockTable.codec);

/**
 * Per sender (messages are keyed by sender, co-partitioned with the blocker table): drops what
 * blocked senders write, forwards everything else re-keyed to the recipient. Counts what it
 * delivered and dropped, and how much a sender got through before its block took effect —
 * the spam that reached inboxes before the detector caught up.
 */
export function filterGroup() {
  return defineGroup<FilterStats>(
    groups.filter,
    persist(tables.filter.codec),
    blockTable,
    input(messagesSent.name, messagesSent.codec, (ctx, m) => {
      const stats: FilterStats = ctx.value() ?? {
        delivered: 0,
        dropped: 0,
        deliveredBeforeBlock: null,
        blockedSince: null,
        lastDeliveredAt: null,
        lastDroppedAt: null,
      };
      const block = ctx.join(blockTable);
      if (block?.blocked) {
        const episode = block.since ?? 0;
        const first = stats.blockedSince !== episode;
        ctx.setValue({
          ...stats,
          dropped: stats.dropped + 1,
          deliveredBeforeBlock: first ? stats.delivered : stats.deliveredBeforeBlock,
          blockedSince: episode,
          lastDroppedAt: m.sentAt,
        });
        return;
      }
      ctx.emit(deliveries.name, m.to, m);
      ctx.setValue({ ...stats, delivered: stats.delivered + 1, lastDeliveredAt: m.sentAt });
    }),
    output(deliveries.name, deliveries.codec),
  );
}
