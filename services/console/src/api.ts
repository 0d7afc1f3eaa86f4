import { HttpError, notFound, type Service, Type, tokenOf } from '@showcase/service-kit';
import type { ConsoleConfig, Upstream } from './config.ts';
import { runLiveProxy } from './live.ts';
import { callAll, callService } from './upstream.ts';

const tags = ['console'];
const security = [{ bearer: [] }];
const Key = Type.String({ minLength: 1, maxLength: 1024 });
const TableQuery = Type.Object({
  key: Type.Optional(Key),
  from: Type.Optional(Key),
  to: Type.Optional(Key),
  after: Type.Optional(Key),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
});
const LimitQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })) });

function limitOf(value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  // Ajv's query coercion lets "Infinity" through `integer` and `maximum`; a page must be bounded.
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new HttpError(
      400,
      'bad_request',
      `querystring.limit must be an integer between ${min} and ${max}`,
      'querystring.limit',
    );
  }
  return value;
}

/**
 * The console's own API: each route asks every configured service's `/admin/*` (with the
 * caller's token) and returns the answers side by side, so one unreachable service never hides
 * the others.
 */
export function registerConsoleRoutes(
  service: Service,
  upstreams: readonly Upstream[],
  config: ConsoleConfig,
): void {
  const { app, auth } = service;
  const byName = new Map(upstreams.map((u) => [u.name, u]));
  const timeout = config.UPSTREAM_TIMEOUT_MS;
  const token = (request: Parameters<typeof tokenOf>[0]) => tokenOf(request) ?? '';
  const admin = { onRequest: auth.admin };

  app.get(
    '/api/services',
    { ...admin, schema: { tags, security, summary: 'The services the console watches' } },
    async () => ({
      services: upstreams.map((u) => ({ name: u.name, url: u.url })),
    }),
  );

  app.get(
    '/api/topology',
    { ...admin, schema: { tags, security, summary: 'Every service’s /admin/topology' } },
    async (request) => ({
      services: await callAll(upstreams, '/admin/topology', token(request), timeout),
    }),
  );

  app.get(
    '/api/groups',
    { ...admin, schema: { tags, security, summary: 'Every service’s /admin/groups' } },
    async (request) => ({
      services: await callAll(upstreams, '/admin/groups', token(request), timeout),
    }),
  );

  app.get<{ Querystring: { limit?: number } }>(
    '/api/dead-letters',
    {
      ...admin,
      schema: { tags, security, summary: 'Every service’s /admin/dead-letters', querystring: LimitQuery },
    },
    async (request) => {
      const limit = limitOf(request.query.limit, 0, 100);
      const path = `/admin/dead-letters${limit === undefined ? '' : `?limit=${limit}`}`;
      // Reading dead-letter topics joins Kafka as a reader: give it more time than a status call.
      return { services: await callAll(upstreams, path, token(request), timeout * 3) };
    },
  );

  app.get<{
    Params: { service: string; table: string };
    Querystring: { key?: string; from?: string; to?: string; after?: string; limit?: number };
  }>(
    '/api/tables/:service/:table',
    {
      ...admin,
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
      const limit = limitOf(q.limit, 1, 500);
      const params = new URLSearchParams();
      for (const name of ['key', 'from', 'to', 'after'] as const) {
        const v = q[name];
        if (v !== undefined) params.set(name, v);
      }
      if (limit !== undefined) params.set('limit', String(limit));
      const path = `/admin/tables/${encodeURIComponent(request.params.table)}?${params}`;
      const answer = await callService(upstream, path, token(request), timeout);
      if (answer.ok) return answer.body;
      if (answer.status !== null && answer.status >= 400 && answer.status < 500) {
        return reply
          .status(answer.status)
          .send({ error: answer.status === 404 ? 'not_found' : 'bad_request', message: answer.error });
      }
      return reply.status(502).send({ error: 'bad_gateway', message: `${upstream.name}: ${answer.error}` });
    },
  );

  app.get(
    '/api/live',
    {
      ...admin,
      websocket: true,
      schema: { tags, security, summary: 'Group status of every service each interval; watch table keys' },
    },
    (socket, request) => {
      runLiveProxy({
        socket,
        upstreams: byName,
        token: token(request),
        intervalMs: config.LIVE_INTERVAL_MS,
        timeoutMs: timeout,
        logger: request.log,
      });
    },
  );
}
