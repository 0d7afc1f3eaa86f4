import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS with a default export; under ESM interop it may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/**
 * Two Ajv instances: bodies are validated exactly as sent (`{"to": true}` is not the string
 * "true"), while query strings and path parameters, which are text by nature, are coerced to
 * the schema's types. Unknown fields are an error the client must hear about, never dropped.
 */
function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    // Schemas with an $id (ErrorSchema) are compiled many times, once per route.
    addUsedSchema: false,
    strict: false,
  });
  return addFormats(ajv);
}

/** Paths (like `/limit`) of numbers that are not finite: `?limit=Infinity` coerces to one. */
function nonFinite(value: unknown, path = ''): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path || '/';
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [k, v] of Object.entries(value)) {
    const found = nonFinite(v, `${path}/${k}`);
    if (found) return found;
  }
  return undefined;
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = makeAjv(false);
  const coercing = makeAjv(true);
  return ({ schema, httpPart }) => {
    const validate: ValidateFunction = (httpPart === 'body' ? strict : coercing).compile(schema as object);
    return (data: unknown) => {
      // Roots are objects (body, querystring, params): coercion changes their properties in place.
      if (!validate(data))
        return { error: Object.assign(new Error('invalid'), { validation: validate.errors }) };
      // Ajv coerces "Infinity" / "-Infinity" to numbers that pass `type: integer` bounds checks
      // only partially; JSON has no such numbers, so nothing a client sends may contain one.
      const bad = nonFinite(data);
      if (bad) {
        return {
          error: Object.assign(new Error('invalid'), {
            validation: [
              {
                keyword: 'finite',
                instancePath: bad === '/' ? '' : bad,
                params: {},
                message: 'must be a finite number',
              },
            ],
          }),
        };
      }
      return true;
    };
  };
}
