import { defineGroup, input, persist } from '@showcase/goka';
import type { Inbox } from '../model.ts';
import { deliveries, groups, tables } from '../topics.ts';

/**
 * Per recipient: the last `size` delivered messages (the inbox), newest last, each with a
 * running sequence number. A message seen again (reprocessing after a crash) is not added twice.
 */
export function collectorGroup(size: number) {
  return defineGroup<Inbox>(
    groups.collector,
    persist(tables.inbox.codec),
    input(deliveries.name, deliveries.codec, (ctx, m) => {
      const inbox = ctx.value() ?? { messages: [], total: 0 };
      if (inbox.messages.some((x) => x.id === m.id)) return;
      const seq = inbox.total + 1;
      ctx.setValue({
        total: seq,
        messages: [...inbox.messages, { id: m.id, from: m.from, text: m.text, sentAt: m.sentAt, seq }].slice(
          -size,
        ),
      });
    }),
  );
}
