import { nanoid } from 'nanoid';
import { Type } from 'typebox';
import { USER_ID_PATTERN } from './token.ts';

/** TypeBox, re-exported so services build schemas with the version the type provider uses. */
export { Type };

/** Event and message ids: 21 URL-safe characters (nanoid). */
export const newId = (): string => nanoid();

/** The body of every error response, for route `response` schemas and the OpenAPI document. */
export const ErrorSchema = Type.Object(
  {
    error: Type.String({ description: 'machine-readable code, e.g. bad_request, unauthorized' }),
    message: Type.String({ description: 'what went wrong, for humans' }),
    field: Type.Optional(Type.String({ description: 'the offending input, e.g. body.to' })),
  },
  { $id: 'Error' },
);

/** A user id as every service accepts it (path parameters, body fields, token subjects). */
export const UserIdSchema = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: USER_ID_PATTERN.source,
  description: 'user id: letters, digits, . _ @ -',
});

/** `/users/:id/...` path parameters. */
export const UserParamsSchema = Type.Object({ id: UserIdSchema });

/** 202 answer of every write: the id of the event the write emitted. */
export const AcceptedSchema = Type.Object({ id: Type.String({ description: 'event id' }) });

/** The error answers every authenticated route can give (merge more codes in where a route has them). */
export const clientErrorResponses = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema } as const;

/** OpenAPI `security` of a route that needs a bearer token. */
export const bearerSecurity: { bearer: string[] }[] = [{ bearer: [] }];
