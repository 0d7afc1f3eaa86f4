import { defineGroup, input, persist } from '@showcase/goka';
import type { NotificationRow } from '../model.ts';
import { edgeSetTopology, type Topology } from '../topics.ts';

/**
 * Per user: the latest notification with a running number. Each write is one update of the
 * view, which the WebSocket bridge pushes to that user's sockets; one small row per user, so a
 * hub's notifications cost O(1) each.
 */
export function notifierGroup(t: Topology = edgeSetTopology) {
  return defineGroup<NotificationRow>(
    t.groups.notifier,
    persist(t.tables.notifications.codec),
    input(t.notifications.name, t.notifications.codec, (ctx, last) => {
      ctx.setValue({ seq: (ctx.value()?.seq ?? 0) + 1, last });
    }),
  );
}
