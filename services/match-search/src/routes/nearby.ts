import { ErrorSchema, HttpError, type RoutePlugin, Type } from '@showcase/service-kit';
import { NearbyWatch } from '../search/nearby-watch.ts';
import type { MatchSearchDeps } from './deps.ts';
import { bearer, errors, NearbyRow, RadiusKm, UserParams } from './schemas.ts';

export const incompleteProfile = () =>
  new HttpError(409, 'incomplete-profile', 'the caller needs a profile and a location to search');

/**
 * Nearby search from the instance's in-memory directory, which follows the tables (eventually
 * consistent): a query, and a WebSocket of entered / left / moved events.
 */
export const nearbyRoutes: RoutePlugin<MatchSearchDeps> = async (app, { auth, directory, ws }) => {
  app.get(
    '/users/:id/nearby',
    {
      onRequest: auth.selfOrAdmin('id'),
      schema: {
        summary: 'Users near the caller who fit the caller’s filters and whose filters the caller fits',
        tags: ['search'],
        security: bearer,
        params: UserParams,
        querystring: Type.Object({
          radiusKm: Type.Optional(RadiusKm),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
          online: Type.Optional(Type.Boolean({ description: 'true: online users only' })),
        }),
        response: { 200: Type.Object({ users: Type.Array(NearbyRow) }), 409: ErrorSchema, ...errors },
      },
    },
    async (request) => {
      const {
        radiusKm = 25,
        limit = 50,
        online = false,
      } = request.query as {
        radiusKm?: number;
        limit?: number;
        online?: boolean;
      };
      const users = directory.nearby(request.params.id, { radiusKm, limit, onlineOnly: online });
      if (users === undefined) throw incompleteProfile();
      return { users };
    },
  );

  app.get(
    '/ws/nearby',
    {
      websocket: true,
      onRequest: auth.user,
      schema: {
        summary: 'entered / left / moved events of users around the caller, filters applied',
        querystring: Type.Object({
          radiusKm: Type.Optional(RadiusKm),
          online: Type.Optional(Type.Boolean()),
          token: Type.Optional(Type.String()),
        }),
      },
    },
    (socket, request) => {
      const caller = request.user.id;
      const { radiusKm = 25, online = false } = request.query as { radiusKm?: number; online?: boolean };
      if (!Number.isFinite(radiusKm)) {
        socket.close(1008, 'radiusKm must be a number in (0, 500]');
        return;
      }
      const channel = ws.channel(socket, '/ws/nearby');
      channel.send({ type: 'subscribed', user: caller, radiusKm });
      // The watch sends the current neighbourhood as `entered` events, then every change.
      const watch = new NearbyWatch(directory, caller, radiusKm, online, (event) => channel.send(event));
      channel.onClosed(() => watch.close());
    },
  );
};
