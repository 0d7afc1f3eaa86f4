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

/**
 * Everything between two users, one read of the pair table (the contract's `edge-set-pairs-table`)
 * at the instance that owns the pair's partition: answered here, or the request is forwarded to
 * the owner (503 + Retry-After while no owner is known, e.g. during a rebalance).
 */
export const relationRoutes: RoutePlugin<EdgeSetDeps> = async (app, { auth, routed }) => {
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
    async (request, reply) => {
      const { a, b } = request.params;
      const read = await routed.pairs.get(pairKey(a, b), request, reply);
      if (read.forwarded) return reply;
      const pair = read.value;
      const base = { out: [...(pair?.out ?? [])], in: [...(pair?.in ?? [])] };
      return pair?.matchSince === undefined
        ? { ...base, match: false }
        : { ...base, match: true, since: pair.matchSince };
    },
  );
};
