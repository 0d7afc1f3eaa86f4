import { nanoid } from 'nanoid';
import { Type } from 'typebox';

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
