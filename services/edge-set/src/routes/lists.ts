import { edgeTypes } from '@showcase/contracts';
import {
  bearerSecurity as bearer,
  clientErrorResponses as errors,
  type RoutePlugin,
  Type,
  UserIdSchema as UserId,
} from '@showcase/service-kit';
import { listEdges, listMatches } from '../lists.ts';
import type { EdgeSetDeps } from './deps.ts';
import { CursorParam, cursorOf, EdgeSchema, Limit, literals, MatchSchema } from './schemas.ts';

/**
 * A user's edges and matches in pages, read from the index view (eventually consistent; a
 * page's cost does not depend on the user's degree, see lists.ts).
 */
export const listRoutes: RoutePlugin<EdgeSetDeps> = async (app, { auth, views }) => {
  app.get(
    '/users/:id/edges',
    {
      onRequest: auth.selfOrAdmin('id'),
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
};
