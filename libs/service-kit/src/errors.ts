import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Every error leaves the service as `{ error, message }` (plus `field` for bad input): a stable
 * machine code and a sentence for humans. Client mistakes are 4xx, never 500.
 */
export interface ErrorBody {
  readonly error: string;
  readonly message: string;
  readonly field?: string;
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, field?: string) =>
  new HttpError(400, 'bad_request', message, field);
export const unauthorized = (message = 'a valid bearer token is required') =>
  new HttpError(401, 'unauthorized', message);
export const forbidden = (message = 'not allowed') => new HttpError(403, 'forbidden', message);
export const notFound = (message = 'not found') => new HttpError(404, 'not_found', message);
export const unavailable = (message: string) => new HttpError(503, 'unavailable', message);

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  431: 'headers_too_large',
  503: 'unavailable',
};

interface ValidationIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly message?: string;
  readonly params: Record<string, unknown>;
}

/** `body.to`, `querystring.limit`, `params.id`: where the bad value is. */
export function describeValidation(
  context: string | undefined,
  issues: readonly ValidationIssue[],
): { field: string; message: string } {
  const issue = issues[0]!;
  const base = [context ?? 'body', ...issue.instancePath.split('/').filter(Boolean)].join('.');
  switch (issue.keyword) {
    case 'required': {
      const field = `${base}.${String(issue.params.missingProperty)}`;
      return { field, message: `${field} is required` };
    }
    case 'additionalProperties': {
      const field = `${base}.${String(issue.params.additionalProperty)}`;
      return { field, message: `${field} is not an allowed field` };
    }
    default:
      return { field: base, message: `${base} ${issue.message ?? 'is invalid'}` };
  }
}

function toBody(
  error: FastifyError | HttpError | Error,
  bodyLimit: number,
): { status: number; body: ErrorBody } {
  if (error instanceof HttpError) {
    return {
      status: error.statusCode,
      body: { error: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) },
    };
  }
  const fe = error as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
  if (fe.validation && fe.validation.length > 0) {
    const { field, message } = describeValidation(fe.validationContext, fe.validation);
    return { status: 400, body: { error: 'bad_request', message, field } };
  }
  const status = fe.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const message =
      status === 413 ? `request body is larger than the limit of ${bodyLimit} bytes` : fe.message;
    return { status, body: { error: CODES[status] ?? 'client_error', message } };
  }
  if (status === 503) return { status, body: { error: 'unavailable', message: fe.message } };
  return { status: 500, body: { error: 'internal', message: 'internal server error' } };
}

export function installErrorHandling(app: FastifyInstance, options: { bodyLimit: number }): void {
  app.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toBody(error, options.bodyLimit);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ status, error: body.error, reason: body.message }, 'request rejected');
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
}
