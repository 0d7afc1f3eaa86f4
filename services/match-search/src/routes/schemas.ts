import { genders, type Location, type Profile } from '@showcase/contracts';
import { ErrorSchema, Type } from '@showcase/service-kit';

export const UserId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9._@-]+$',
  description: 'user id',
});
export const UserParams = Type.Object({ id: UserId });
export const Accepted = Type.Object({ id: Type.String({ description: 'event id' }) });
export const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema };
export const bearer = [{ bearer: [] }];
export const GenderSchema = Type.Union(
  [Type.Literal('female'), Type.Literal('male'), Type.Literal('diverse')],
  {
    description: 'female | male | diverse',
  },
);
export const Age = Type.Integer({ minimum: 18, maximum: 120 });

const closed = { additionalProperties: false } as const;
export const ProfileBody = Type.Object(
  {
    age: Age,
    gender: GenderSchema,
    seeking: Type.Array(GenderSchema, { minItems: 1, maxItems: genders.length, uniqueItems: true }),
    ageMin: Age,
    ageMax: Age,
  },
  closed,
);
export const LocationBody = Type.Object(
  { lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }) },
  closed,
);
export const PresenceBody = Type.Object({ online: Type.Boolean() }, closed);
export const RadiusKm = Type.Number({
  exclusiveMinimum: 0,
  maximum: 500,
  default: 25,
  description: 'in (0, 500]',
});
export const NearbyRow = Type.Object({
  user: Type.String(),
  distanceKm: Type.Number(),
  age: Type.Integer(),
  gender: GenderSchema,
  online: Type.Boolean(),
});

/** The part of a UserUpdate a request body determines. */
export type UpdateBody =
  | { readonly type: 'profile'; readonly profile: Profile }
  | { readonly type: 'location'; readonly location: Location }
  | { readonly type: 'presence'; readonly online: boolean };
