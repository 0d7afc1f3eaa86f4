import type { Location, Profile, UserUpdate } from '@showcase/contracts';
import { badRequest, newId, type RoutePlugin, type Type } from '@showcase/service-kit';
import type { MatchSearchDeps } from './deps.ts';
import {
  Accepted,
  bearer,
  errors,
  LocationBody,
  PresenceBody,
  ProfileBody,
  type UpdateBody,
  UserParams,
} from './schemas.ts';

/**
 * A user's profile, location and presence: writes through the emitter of
 * `match-search-user-updates`, 202 once Kafka acknowledged them (the users group applies them).
 */
export const userRoutes: RoutePlugin<MatchSearchDeps> = async (app, { auth, emitters }) => {
  const write = <B>(
    path: string,
    summary: string,
    body: ReturnType<typeof Type.Object>,
    toUpdate: (b: B) => UpdateBody,
  ) => {
    app.put(
      path,
      {
        onRequest: auth.selfOrAdmin('id'),
        schema: {
          summary,
          tags: ['users'],
          security: bearer,
          params: UserParams,
          body,
          response: { 202: Accepted, ...errors },
        },
      },
      async (request, reply) => {
        const user = (request.params as { id: string }).id;
        const id = newId();
        const update = { id, user, at: Date.now(), ...toUpdate(request.body as B) } as UserUpdate;
        await emitters.updates.emit(user, update);
        return reply.status(202).send({ id });
      },
    );
  };

  write<Profile>(
    '/users/:id/profile',
    'Set a user’s profile and filters (self or admin)',
    ProfileBody,
    (b) => {
      if (b.ageMin > b.ageMax)
        throw badRequest('body.ageMin must not be greater than body.ageMax', 'body.ageMax');
      return {
        type: 'profile',
        profile: { age: b.age, gender: b.gender, seeking: b.seeking, ageMin: b.ageMin, ageMax: b.ageMax },
      };
    },
  );
  write<Location>('/users/:id/location', 'Set a user’s location (self or admin)', LocationBody, (b) => ({
    type: 'location',
    location: { lat: b.lat, lon: b.lon },
  }));
  write<{ online: boolean }>(
    '/users/:id/presence',
    'Set a user’s presence (self or admin)',
    PresenceBody,
    (b) => ({
      type: 'presence',
      online: b.online,
    }),
  );
};
