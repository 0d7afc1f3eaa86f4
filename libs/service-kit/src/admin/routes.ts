import { hostname } from 'node:os';
import type { Cluster, Group, Processor, View } from '@showcase/goka';
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { WebSocket } from 'ws';
import { badRequest, notFound } from '../http/errors.ts';
import { Type } from '../schemas.ts';
import { readDeadLetters } from './dead-letters.ts';
import { groupStatuses, RateMeter, viewStatuses } from './group-status.ts';
import { runLiveFeed } from './live.ts';
import { describeTopology } from './topology.ts';

/**
 * Where the admin routes read from. Functions, not lists: a service registers its processors
 * and views after the routes exist, and the routes must see all of them.
 */
export interface AdminSources {
  readonly service: string;
  readonly cluster: () => Cluster;
  readonly processors: () => readonly Processor<unknown, unknown>[];
  readonly views: () => readonly View<unknown>[];
  /** The `onRequest` hook that admits admins only (service.auth.admin). */
  readonly admin: onRequestAsyncHookHandler;
  /** Owner shown per group; default `host:pid`. */
  readonly instance?: string;
  /** Status snapshots on the live feed; default every second. */
  readonly liveIntervalMs?: number;
}

const TableParams = Type.Object({
  table: Type.String({
    minLength: 1,
    maxLength: 249,
    description: 'table topic, e.g. anti-spam-collector-table',
  }),
});
const Key = Type.String({ minLength: 1, maxLength: 1024 });
const TableQuery = Type.Object({
  key: Type.Optional({ ...Key, description: 'get this key; without it the range is scanned' }),
  from: Type.Optional({ ...Key, description: 'scan: first key (inclusive)' }),
  to: Type.Optional({ ...Key, description: 'scan: last key (inclusive)' }),
  after: Type.Optional({
    ...Key,
    description: 'scan paging: continue after this key (the previous page’s next)',
  }),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'scan page size' }),
  ),
});
const DeadLetterQuery = Type.Object({
  limit: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 100, default: 10, description: 'records per group' }),
  ),
});

const tags = ['admin'];

/**
 * The schema bounds, checked again: Ajv's query coercion turns "Infinity" into a number that
 * passes `type: integer` and `maximum`, and a page size must never be unbounded.
 */
function pageSize(value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw badRequest(`querystring.limit must be an integer between ${min} and ${max}`, 'querystring.limit');
  }
  return value;
}
const security = [{ bearer: [] }];

/**
 * The admin API every service exposes for the console (all admin-only):
 * `GET /admin/topology`, `GET /admin/groups`, `GET /admin/tables`, `GET /admin/tables/:table`,
 * `GET /admin/dead-letters`, and the WebSocket `/admin/live`.
 */
export function registerAdminRoutes(app: FastifyInstance, sources: AdminSources): void {
  const instance = sources.instance ?? `${hostname()}:${process.pid}`;
  const meter = new RateMeter();
  const groups = () => sources.processors().map((p) => p.group as Group<unknown, unknown>);
  const viewsByTable = () => new Map(sources.views().map((v) => [v.table, v]));
  const status = async () => ({
    service: sources.service,
    instance,
    groups: await groupStatuses(sources.cluster(), sources.processors(), meter, instance),
    views: viewStatuses(sources.views()),
  });
  const base = { onRequest: sources.admin };

  app.get(
    '/admin/topology',
    {
      ...base,
      schema: { tags, security, summary: 'Groups and their edges, derived from the group definitions' },
    },
    async () =>
      describeTopology(
        sources.service,
        groups(),
        sources.views().map((v) => v.table),
      ),
  );

  app.get(
    '/admin/groups',
    {
      ...base,
      schema: { tags, security, summary: 'Per group and partition: state, recovery, offsets, lag, rate' },
    },
    async () => ({ at: new Date().toISOString(), ...(await status()) }),
  );

  app.get(
    '/admin/tables',
    { ...base, schema: { tags, security, summary: 'Tables this service keeps a view of' } },
    async () => ({ service: sources.service, tables: viewStatuses(sources.views()) }),
  );

  app.get<{
    Params: { table: string };
    Querystring: { key?: string; from?: string; to?: string; after?: string; limit?: number };
  }>(
    '/admin/tables/:table',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'Get a key (?key=) or scan a key range with paging (?from=&to=&after=&limit=)',
        params: TableParams,
        querystring: TableQuery,
      },
    },
    async (request) => {
      const { table } = request.params;
      const q = request.query;
      const limit = pageSize(q.limit, 50, 1, 500);
      const view = viewsByTable().get(table);
      if (!view) throw notFound(`no view of table "${table}" in ${sources.service}`);
      if (q.key !== undefined) {
        const value = await view.get(q.key);
        return { table, key: q.key, found: value !== undefined, value: value ?? null };
      }
      const range = {
        ...(q.after !== undefined ? { gt: q.after } : q.from !== undefined ? { gte: q.from } : {}),
        ...(q.to !== undefined ? { lte: q.to } : {}),
        // One more than asked tells whether there is a next page.
        limit: limit + 1,
      };
      const items: { key: string; value: unknown }[] = [];
      for await (const [key, value] of view.iterate(range)) items.push({ key, value });
      const more = items.length > limit;
      const page = items.slice(0, limit);
      return { table, items: page, next: more ? (page[page.length - 1]?.key ?? null) : null };
    },
  );

  app.get<{ Querystring: { limit?: number } }>(
    '/admin/dead-letters',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'Per group: records in <group>-dlq and the newest ones with their error headers',
        querystring: DeadLetterQuery,
      },
    },
    async (request) => {
      const limit = pageSize(request.query.limit, 10, 0, 100);
      const cluster = sources.cluster();
      return {
        service: sources.service,
        groups: await Promise.all(
          groups().map((g) => readDeadLetters(cluster, g.name, g.deadLetterTopic, limit)),
        ),
      };
    },
  );

  app.get(
    '/admin/live',
    {
      ...base,
      websocket: true,
      schema: {
        tags,
        security,
        summary: 'Status every second; {type:"watch",table,key} pushes that key’s updates',
      },
    },
    (socket: WebSocket) => {
      runLiveFeed({
        socket,
        views: viewsByTable,
        snapshot: status,
        intervalMs: sources.liveIntervalMs ?? 1000,
        logger: app.log,
      });
    },
  );
}
