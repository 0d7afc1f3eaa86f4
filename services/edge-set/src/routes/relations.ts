import { pairKey } from '@showcase/contracts';
import {
  bearerSecurity as bearer,
  clientErrorResponses as errors,
  type RoutePlugin,
  Type,
  UserIdSchema as UserId,
} from '@showcase/service-kit';
import type { EdgeSetDeps } from './deps.ts';
import { EdgeSchema } from './schemas.ts';

/** Everything between two users, one read of the pair table (the contract's `edge-set-pairs-table`). */
export const relationRoutes: RoutePlugin<EdgeSetDeps> = async (app, { auth, views }) => {
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
};
