import { genders, type Location, type Profile, type UserUpdate } from '@showcase/contracts';
import {
  badRequest,
  ErrorSchema,
  HttpError,
  type MeteredEmitter,
  newId,
  type Service,
  Type,
} from '@showcase/service-kit';
import { strictBodyValidator } from './body-validator.ts';
import { NearbyWatch } from './search/nearby-watch.ts';
import type { UserDirectory } from './search/user-directory.ts';

const UserId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9._@-]+$',
  description: 'user id',
});
const UserParams = Type.Object({ id: UserId });
const Accepted = Type.Object({ id: Type.String({ description: 'event id' }) });
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema };
const bearer = [{ bearer: [] }];
const GenderSchema = Type.Union([Type.Literal('female'), Type.Literal('male'), Type.Literal('diverse')], {
  description: 'female | male | diverse',
});
const Age = Type.Integer({ minimum: 18, maximum: 120 });

const closed = { additionalProperties: false } as const;
const ProfileBody = Type.Object(
  {
    age: Age,
    gender: GenderSchema,
    seeking: Type.Array(GenderSchema, { minItems: 1, maxItems: genders.length, uniqueItems: true }),
    ageMin: Age,
    ageMax: Age,
  },
  closed,
);
const LocationBody = Type.Object(
  { lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }) },
  closed,
);
const PresenceBody = Type.Object({ online: Type.Boolean() }, closed);
const RadiusKm = Type.Number({ exclusiveMinimum: 0, maximum: 500, default: 25, description: 'in (0, 500]' });
const NearbyRow = Type.Object({
  user: Type.String(),
  distanceKm: Type.Number(),
  age: Type.Integer(),
  gender: GenderSchema,
  online: Type.Boolean(),
});

/** The part of a UserUpdate a request body determines. */
type UpdateBody =
  | { readonly type: 'profile'; readonly profile: Profile }
  | { readonly type: 'location'; readonly location: Location }
  | { readonly type: 'presence'; readonly online: boolean };

export const incompleteProfile = () =>
  new HttpError(409, 'incomplete-profile', 'the caller needs a profile and a location to search');

/**
 * The HTTP and WebSocket contract of docs/contracts.md (match-search). Writes go through the emitter of
 * `match-search-user-updates` and answer 202 once Kafka acknowledged them; reads come from the
 * instance's in-memory directory, which follows the tables (eventually consistent).
 */
export function registerRoutes(
  service: Service,
  deps: { directory: UserDirectory; updates: MeteredEmitter<UserUpdate> },
): void {
  const { app, auth } = service;
  const { directory, updates } = deps;

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
        validatorCompiler: strictBodyValidator,
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
        await updates.emit(user, update);
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
      // Coerced query strings can turn "Infinity" into a number that slips past the schema bounds.
      if (!Number.isFinite(radiusKm))
        throw badRequest('querystring.radiusKm must be a number in (0, 500]', 'querystring.radiusKm');
      if (!Number.isInteger(limit))
        throw badRequest('querystring.limit must be an integer in [1, 500]', 'querystring.limit');
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
      const channel = service.ws.channel(socket, '/ws/nearby');
      channel.send({ type: 'subscribed', user: caller, radiusKm });
      // The watch sends the current neighbourhood as `entered` events, then every change.
      const watch = new NearbyWatch(directory, caller, radiusKm, online, (event) => channel.send(event));
      channel.onClosed(() => watch.close());
    },
  );
}
