import { defineGroup, input, output, persist } from '@showcase/goka';
import { type InboxHead, type InboxMessage, inboxEntryKey, type LegacyInbox } from '../model.ts';
import { deliveries, groups, inboxEntries, tables } from '../topics.ts';

/** Ids remembered per inbox to recognise a redelivery (reprocessing after a crash). */
const DEDUPE_WINDOW = 32;

/** The head of a row, also from a row written before entries were rows of their own. */
function headOf(row: InboxHead | LegacyInbox | undefined): InboxHead {
  if (!row) return { total: 0, recent: [] };
  if ('recent' in row && Array.isArray(row.recent)) return row;
  const legacy = row as LegacyInbox;
  return { total: legacy.total, recent: (legacy.messages ?? []).map((m) => m.id) };
}

/**
 * Per recipient: delivered messages numbered 1, 2, … (seq). Each delivery writes three bounded
 * rows whatever the inbox holds: the head (total and the last ids), the message's own entry
 * `<user>|<seq>` on anti-spam-inbox, and a tombstone for the entry that falls out of the last
 * `size`. (The old row held all `size` messages and was rewritten per delivery: ~100 KB of
 * changelog for one 2 KB message.)
 *
 * A message seen again is not numbered twice. Its entry is emitted again, identically: under
 * at-least-once a head write can be acknowledged while the entry's emit was lost, and the
 * redelivery then repairs it (same key, same value: idempotent).
 */
export function collectorGroup(size: number) {
  const window = Math.min(size, DEDUPE_WINDOW);
  return defineGroup<InboxHead>(
    groups.collector,
    persist(tables.inbox.codec),
    input(deliveries.name, deliveries.codec, (ctx, m) => {
      const head = headOf(ctx.value());
      const entry = (seq: number): InboxMessage => ({
        id: m.id,
        from: m.from,
        text: m.text,
        sentAt: m.sentAt,
        seq,
      });
      const seen = head.recent.lastIndexOf(m.id);
      if (seen >= 0) {
        const seq = head.total - (head.recent.length - 1 - seen);
        if (seq > head.total - size) ctx.emit(inboxEntries.name, inboxEntryKey(ctx.key, seq), entry(seq));
        return;
      }
      const seq = head.total + 1;
      ctx.emit(inboxEntries.name, inboxEntryKey(ctx.key, seq), entry(seq));
      if (seq > size) ctx.emit(inboxEntries.name, inboxEntryKey(ctx.key, seq - size), null);
      ctx.setValue({ total: seq, recent: [...head.recent, m.id].slice(-window) });
    }),
    output(inboxEntries.name, inboxEntries.codec),
  );
}
