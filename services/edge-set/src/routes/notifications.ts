import type { RoutePlugin } from '@showcase/service-kit';
import type { EdgeSetDeps } from './deps.ts';

/** The caller's notifications, pushed from the notifier's view by the WebSocket bridge. */
export const notificationRoutes: RoutePlugin<EdgeSetDeps> = async (app, { auth, views, ws }) => {
  app.get(
    '/ws/notifications',
    {
      websocket: true,
      onRequest: auth.user,
      schema: { summary: 'liked-you, visited-you, messaged-you, new-match, match-ended for the caller' },
    },
    (socket, request) => {
      const user = request.user.id;
      const { channel } = ws.subscribe(socket, views.notifications, '/ws/notifications', {
        keys: [user],
        map: (update) => update.value?.last,
      });
      channel.send({ type: 'subscribed', user });
    },
  );
};
