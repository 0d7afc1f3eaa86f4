import { notFound, type RoutePlugin, Type } from '@showcase/service-kit';
import { callService } from '../upstream.ts';
import type { ConsoleDeps } from './deps.ts';
import { callerToken, security, tags } from './shared.ts';

const Key = Type.String({ minLength: 1, maxLength: 1024 });
const TableQuery = Type.Object({
  key: Type.Optional(Key),
  from: Type.Optional(Key),
  to: Type.Optional(Key),
  after: Type.Optional(Key),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
});

/** One service's table, through its `/admin/tables/:table`. */
export const tableRoutes: RoutePlugin<ConsoleDeps> = async (app, { auth, config, upstreams }) => {
  const byName = new Map(upstreams.map((u) => [u.name, u]));
  const timeout = config.UPSTREAM_TIMEOUT_MS;

  app.get<{
    Params: { service: string; table: string };
    Querystring: { key?: string; from?: string; to?: string; after?: string; limit?: number };
  }>(
    '/api/tables/:service/:table',
    {
      onRequest: auth.admin,
      schema: {
        tags,
        security,
        summary: 'A service’s table: get ?key= or scan ?from=&to=&after=&limit=',
        params: Type.Object({
          service: Type.String({ minLength: 1, maxLength: 64 }),
          table: Type.String({ minLength: 1, maxLength: 249 }),
        }),
        querystring: TableQuery,
      },
    },
    async (request, reply) => {
      const upstream = byName.get(request.params.service);
      if (!upstream) throw notFound(`no service "${request.params.service}" is configured in the console`);
      const q = request.query;
      const limit = q.limit;
      const params = new URLSearchParams();
      for (const name of ['key', 'from', 'to', 'after'] as const) {
        const v = q[name];
        if (v !== undefined) params.set(name, v);
      }
      if (limit !== undefined) params.set('limit', String(limit));
      const path = `/admin/tables/${encodeURIComponent(request.params.table)}?${params}`;
      const answer = await callService(upstream, path, callerToken(request), timeout);
      if (answer.ok) return answer.body;
      if (answer.status !== null && answer.status >= 400 && answer.status < 500) {
        return reply
          .status(answer.status)
          .send({ error: answer.status === 404 ? 'not_found' : 'bad_request', message: answer.error });
      }
      return reply.status(502).send({ error: 'bad_gateway', message: `${upstream.name}: ${answer.error}` });
    },
  );
};
