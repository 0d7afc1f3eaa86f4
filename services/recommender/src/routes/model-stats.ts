import { bearerSecurity as bearer, ErrorSchema, type RoutePlugin, Type } from '@showcase/service-kit';
import type { RecommenderDeps } from './deps.ts';

/** GET /model/stats (admin): totals of the learned model. */
export const modelStatsRoutes: RoutePlugin<RecommenderDeps> = async (app, { auth, stats }) => {
  app.get(
    '/model/stats',
    {
      onRequest: auth.admin,
      schema: {
        summary: 'Totals of the learned model (admin): how much it has learned, how many steps it refused',
        tags: ['recommendations'],
        security: bearer,
        response: {
          200: Type.Object({
            users: Type.Integer(),
            given: Type.Integer({ description: 'interactions learned from (both hops done)' }),
            received: Type.Integer(),
            likesReceived: Type.Integer(),
            rejected: Type.Integer({ description: 'steps refused because the result was not finite' }),
            clustersBehind: Type.Integer({
              description: 'model table changes the co-clustering of tastes and appeals is not fitted on yet',
            }),
          }),
          401: ErrorSchema,
          403: ErrorSchema,
        },
      },
    },
    async () => stats(),
  );
};
