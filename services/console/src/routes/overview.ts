import { type RoutePlugin, Type } from '@showcase/service-kit';
import { callAll } from '../upstream.ts';
import type { ConsoleDeps } from './deps.ts';
import { callerToken, security, tags } from './shared.ts';

const LimitQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })) });

/**
 * The platform at a glance: each route asks every configured service's `/admin/*` (with the
 * caller's token) and returns the answers side by side, so one unreachable service never hides
 * the others.
 */
export const overviewRoutes: RoutePlugin<ConsoleDeps> = async (app, { auth, config, upstreams }) => {
  const timeout = config.UPSTREAM_TIMEOUT_MS;

  app.get(
    '/api/services',
    { onRequest: auth.admin, schema: { tags, security, summary: 'The services the console watches' } },
    async () => ({
      services: upstreams.map((u) => ({ name: u.name, url: u.url })),
    }),
  );

  app.get(
    '/api/topology',
    { onRequest: auth.admin, schema: { tags, security, summary: 'Every service’s /admin/topology' } },
    async (request) => ({
      services: await callAll(upstreams, '/admin/topology', callerToken(request), timeout),
    }),
  );

  app.get(
    '/api/groups',
    { onRequest: auth.admin, schema: { tags, security, summary: 'Every service’s /admin/groups' } },
    async (request) => ({
      services: await callAll(upstreams, '/admin/groups', callerToken(request), timeout),
    }),
  );

  app.get<{ Querystring: { limit?: number } }>(
    '/api/dead-letters',
    {
      onRequest: auth.admin,
      schema: { tags, security, summary: 'Every service’s /admin/dead-letters', querystring: LimitQuery },
    },
    async (request) => {
      const limit = request.query.limit;
      const path = `/admin/dead-letters${limit === undefined ? '' : `?limit=${limit}`}`;
      // Reading dead-letter topics joins Kafka as a reader: give it more time than a status call.
      return { services: await callAll(upstreams, path, callerToken(request), timeout * 3) };
    },
  );
};
