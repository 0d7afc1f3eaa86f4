import type { RoutePlugin } from '@showcase/service-kit';
import { runLiveProxy } from '../live.ts';
import type { ConsoleDeps } from './deps.ts';
import { callerToken, security, tags } from './shared.ts';

/** The live feed: every service's group status each interval, and watched table keys. */
export const liveRoutes: RoutePlugin<ConsoleDeps> = async (app, { auth, config, upstreams }) => {
  const byName = new Map(upstreams.map((u) => [u.name, u]));
  const timeout = config.UPSTREAM_TIMEOUT_MS;

  app.get(
    '/api/live',
    {
      onRequest: auth.admin,
      websocket: true,
      schema: { tags, security, summary: 'Group status of every service each interval; watch table keys' },
    },
    (socket, request) => {
      runLiveProxy({
        socket,
        upstreams: byName,
        token: callerToken(request),
        intervalMs: config.LIVE_INTERVAL_MS,
        timeoutMs: timeout,
        logger: request.log,
      });
    },
  );
};
