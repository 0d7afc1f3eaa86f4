import { edgeTypes, type Interaction, interactionTypes, type PairState, pairKey } from '@showcase/contracts';
import type { View } from '@showcase/goka';
import {
  badRequest,
  bearerSecurity as bearer,
  clientErrorResponses as errors,
  type MeteredEmitter,
  newId,
  type Service,
  Type,
  UserIdSchema as UserId,
} from '@showcase/service-kit';
import { listEdges, listMatches, parseCursor } from './lists.ts';
import type { IndexEntry, NotificationRow } from './model.ts';

export interface EdgeSetViews {
  readonly pairs: View<PairState>;
  readonly index: View<IndexEntry>;
  readonly notifications: View<NotificationRow>;
}

export interface EdgeSetEmitters {
  readonly interactions: MeteredEmitter<Interaction>;
}

const literals = <T extends string>(values: readonly T[]) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values] });
const EdgeSchema = Type.Object({
  user: Type.String({ description: 'the other side' }),
  type: literals(edgeTypes),
  count: Type.Integer({ description: 'interactions of this type since the edge was (re)created' }),
  first: Type.String({ format: 'date-time' }),
  last: Type.String({ format: 'date-time' }),
});
const MatchSchema = Type.Object({ user: Type.String(), since: Type.String({ format: 'date-time' }) });
const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 }));
const CursorParam = Type.Optional(
  Type.String({ minLength: 1, maxLength: 80, description: '`next` of the previous page' }),
);

/**
 * Bodies are validated as sent: the shared validator coerces scalars (`{ "to": 7 }` would pass
 * as "7"), so string fields are checked for their JSON type before it runs.
 */
function stringsAsSent(fields: readonly string[]) {
  return async (request: { body: unknown }) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null) return;
    for (const field of fields) {
      const value: unknown = Object.hasOwn(body, field)
        ? (body as Record<string, unknown>)[field]
        : undefined;
      if (value !== undefined && typeof value !== 'string') {
        throw badRequest(`body.${field} must be a string`, `body.${field}`);
      }
    }
  };
}

/**
 * `limit` must be written as digits: the validator's number coercion lets `Infinity` through as
 * a number, so the raw query value is checked first (the schema then checks the range).
 */
async function limitAsDigits(request: { query: unknown }) {
  const query = request.query;
  if (typeof query !== 'object' || query === null || !Object.hasOwn(query, 'limit')) return;
  const raw: unknown = (query as Record<string, unknown>).limit;
  if (typeof raw !== 'string' || !/^\d{1,7}$/.test(raw)) {
    throw badRequest('querystring.limit must be an integer from 1 to 1000', 'querystring.limit');
  }
}

function cursorOf(raw: string | undefined, typed: boolean) {
  if (raw === undefined) return undefined;
  const cursor = parseCursor(raw, typed);
  if (!cursor) throw badRequest('querystring.cursor is not a cursor of this list', 'querystring.cursor');
  return cursor;
}

/**
 * The HTTP and WebSocket contract of docs/contracts.md (edge-set). Writes go through the emitter and
 * answer 202 once Kafka acknowledged them; reads come from views (eventually consistent).
 */
export function registerRoutes(
  service: Service,
  deps: { views: EdgeSetViews; emitters: EdgeSetEmitters },
): void {
  const { app, auth } = service;
  const { views, emitters } = deps;

  app.post(
    '/interactions',
    {
      onRequest: auth.user,
      preValidation: stringsAsSent(['to', 'type']),
      schema: {
        summary: 'Record an interaction of the caller with another user',
        tags: ['interactions'],
        security: bearer,
        body: Type.Object({ to: UserId, type: literals(interactionTypes) }),
        response: { 202: Type.Object({ id: Type.String({ description: 'event id' }) }), ...errors },
      },
    },
    async (request, reply) => {
      const from = request.user.id;
      const { to, type } = request.body;
      if (to === from) throw badRequest('body.to cannot be the actor', 'body.to');
      const id = newId();
      await emitters.interactions.emit(from, { id, from, to, type, at: Date.now() });
      return reply.status(202).send({ id });
    },
  );

  app.get(
    '/users/:id/edges',
    {
      onRequest: auth.selfOrAdmin('id'),
      preValidation: limitAsDigits,
      schema: {
        summary: "A user's edges in one direction, ordered by the other user's id, in pages",
        tags: ['edges'],
        security: bearer,
        params: Type.Object({ id: UserId }),
        querystring: Type.Object({
          direction: Type.Optional(literals(['out', 'in'] as const)),
          type: Type.Optional(literals(edgeTypes)),
          limit: Limit,
          cursor: CursorParam,
        }),
        response: {
          200: Type.Object({ edges: Type.Array(EdgeSchema), next: Type.Optional(Type.String()) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { direction = 'out', type, limit = 100 } = request.query;
      const cursor = cursorOf(request.query.cursor, type !== undefined);
      const page = await listEdges(views.index, request.params.id, direction, type, limit, cursor);
      return page.next === undefined ? { edges: page.items } : { edges: page.items, next: page.next };
    },
  );

  app.get(
    '/users/:id/matches',
    {
      onRequest: auth.selfOrAdmin('id'),
      preValidation: limitAsDigits,
      schema: {
        summary: "A user's current matches, ordered by the other user's id, in pages",
        tags: ['edges'],
        security: bearer,
        params: Type.Object({ id: UserId }),
        querystring: Type.Object({ limit: Limit, cursor: CursorParam }),
        response: {
          200: Type.Object({ matches: Type.Array(MatchSchema), next: Type.Optional(Type.String()) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { limit = 100 } = request.query;
      const cursor = cursorOf(request.query.cursor, true);
      const page = await listMatches(views.index, request.params.id, limit, cursor);
      return page.next === undefined ? { matches: page.items } : { matches: page.items, next: page.next };
    },
  );

  app.get(
    '/users/:a/relation/:b',
    {
      onRequest: auth.selfOrAdmin('a'),
      schema: {
        summary: 'Everything between two users: edges both ways and the match',
        tags: ['edges'],
        security: bearer,
        params: Type.Object({ a: UserId, b: UserId }),
        response: {
          200: Type.Object({
            out: Type.Array(EdgeSchema),
            in: Type.Array(EdgeSchema),
            match: Type.Boolean(),
            since: Type.Optional(Type.String({ format: 'date-time' })),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { a, b } = request.params;
      const pair = await views.pairs.get(pairKey(a, b));
      const base = { out: [...(pair?.out ?? [])], in: [...(pair?.in ?? [])] };
      return pair?.matchSince === undefined
        ? { ...base, match: false }
        : { ...base, match: true, since: pair.matchSince };
    },
  );

  app.get(
    '/ws/notifications',
    {
      websocket: true,
      onRequest: auth.user,
      schema: { summary: 'liked-you, visited-you, messaged-you, new-match, match-ended for the caller' },
    },
    (socket, request) => {
      const user = request.user.id;
      const { channel } = service.ws.subscribe(socket, views.notifications, '/ws/notifications', {
        keys: [user],
        map: (update) => update.value?.last,
      });
      channel.send({ type: 'subscribed', user });
    },
  );
}
