import {
  bearerSecurity as bearer,
  ErrorSchema,
  HttpError,
  type RoutePlugin,
  Type,
  UserIdSchema as UserId,
} from '@showcase/service-kit';
import { type Ranking, type RankQuery, rankings } from '../ranker.ts';
import type { Scored } from '../top-k.ts';
import type { RecommenderDeps } from './deps.ts';

const RecommendationQuery = {
  k: Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'how many (1–100)' }),
  radiusKm: Type.Number({
    exclusiveMinimum: 0,
    maximum: 500,
    default: 100,
    description: 'candidates within this distance (0, 500] km, as match-search',
  }),
  ranking: Type.Optional(
    Type.Union(
      rankings.map((r) => Type.Literal(r)),
      {
        description:
          'reciprocal (default); one-sided and popularity are the baselines the simulator compares against',
      },
    ),
  ),
};

const Items = Type.Object({
  items: Type.Array(Type.Object({ user: Type.String(), score: Type.Number() })),
});

export const incompleteProfile = () =>
  new HttpError(
    409,
    'incomplete-profile',
    'the caller needs a profile and a location (PUT /users/:id/profile and /location on match-search)',
  );

const sameList = (a: readonly Scored[], b: readonly Scored[]) =>
  a.length === b.length && a.every((s, i) => s.user === b[i]!.user);

/**
 * GET /users/:id/recommendations and WS /ws/recommendations (docs/contracts.md, recommender).
 * `version()` is a number that grows whenever any input of the ranking changed.
 */
export const recommendationRoutes: RoutePlugin<RecommenderDeps> = async (
  app,
  { auth, config, ranker, version: inputsVersion, ws },
) => {
  app.get(
    '/users/:id/recommendations',
    {
      onRequest: auth.selfOrAdmin('id'),
      schema: {
        summary: 'Reciprocal recommendations for a user, best first',
        description:
          'Candidates follow match-search (distance, mutual filters, blocks); never the caller, users it liked, passed or blocked, who blocked it, current matches or spam-blocked users. 409 incomplete-profile when the caller has no profile or location.',
        tags: ['recommendations'],
        security: bearer,
        params: Type.Object({ id: UserId }),
        querystring: Type.Object(RecommendationQuery),
        response: { 200: Items, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 409: ErrorSchema },
      },
    },
    async (request) => {
      const q = request.query as { k: number; radiusKm: number; ranking?: Ranking };
      const result = await ranker.rank(request.params.id, q);
      if (!result.ok) throw incompleteProfile();
      return { items: result.items };
    },
  );

  app.get(
    '/ws/recommendations',
    {
      websocket: true,
      onRequest: auth.user,
      schema: {
        summary: "The caller's top-k, pushed when it changes (at most once per WS_REFRESH_MS)",
        querystring: Type.Object({
          k: RecommendationQuery.k,
          radiusKm: RecommendationQuery.radiusKm,
          token: Type.Optional(Type.String()),
        }),
      },
    },
    async (socket, request) => {
      const user = request.user.id;
      const q = request.query as { k: number; radiusKm: number };
      const query: RankQuery = { k: q.k, radiusKm: q.radiusKm };
      const channel = ws.channel(socket, '/ws/recommendations');
      let seen = -1;
      let last: Scored[] | undefined;
      let incomplete = false;
      let busy = false;
      const refresh = async () => {
        const version = inputsVersion();
        if (busy || version === seen || channel.isClosed) return;
        busy = true;
        seen = version;
        try {
          const result = await ranker.rank(user, query);
          if (!result.ok) {
            if (!incomplete) channel.send({ type: 'incomplete-profile', user });
            incomplete = true;
            last = undefined;
          } else if (!last || !sameList(last, result.items)) {
            incomplete = false;
            last = result.items;
            channel.send({
              type: 'recommendations',
              user,
              items: result.items,
              at: new Date().toISOString(),
            });
          }
        } catch (error) {
          request.log.error({ err: error, user }, 'refreshing recommendations failed');
        } finally {
          busy = false;
        }
      };
      const timer = setInterval(() => void refresh(), config.WS_REFRESH_MS);
      timer.unref();
      channel.onClosed(() => clearInterval(timer));
      await refresh();
    },
  );
};
