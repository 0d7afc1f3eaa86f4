import { Ajv } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * service-kit's Ajv coerces types (right for query strings); a body must be validated as sent —
 * `{ "lat": "1" }` is a client error, not the number 1. Routes with bodies use this compiler:
 * bodies without coercion, params and query strings with it, both with defaults.
 */
const strict = new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false });
const coercing = new Ajv({
  coerceTypes: 'array',
  useDefaults: true,
  removeAdditional: false,
  allErrors: false,
});

export const strictBodyValidator: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema);
