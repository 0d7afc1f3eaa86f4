import { HttpError, tokenOf } from '@showcase/service-kit';

export const tags = ['console'];
export const security = [{ bearer: [] }];

/** The caller's token, passed on to the services' admin routes. */
export const callerToken = (request: Parameters<typeof tokenOf>[0]) => tokenOf(request) ?? '';

export function limitOf(value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  // Ajv's query coercion lets "Infinity" through `integer` and `maximum`; a page must be bounded.
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new HttpError(
      400,
      'bad_request',
      `querystring.limit must be an integer between ${min} and ${max}`,
      'querystring.limit',
    );
  }
  return value;
}
