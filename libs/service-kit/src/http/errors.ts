import type { Socket } from 'node:net';
import { ViewUnavailable } from '@showcase/goka';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

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
  426: 'upgrade_required',
  429: 'too_many_requests',
  431: 'headers_too_large',
  503: 'unavailable',
};

/** The machine code for an HTTP status. */
export const codeFor = (status: number): string =>
  CODES[status] ?? (status >= 500 ? 'internal' : 'client_error');

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
  if (error instanceof ViewUnavailable) {
    // A view that failed or is shutting down refuses reads rather than serving stale data: the
    // client may retry (another instance, or this one after a restart), it made no mistake.
    return {
      status: 503,
      body: { error: 'unavailable', message: `${error.table} is ${error.state}; try again` },
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
      status === 413
        ? `request body is larger than the limit of ${bodyLimit} bytes`
        : status === 414
          ? 'the URL (or one of its path segments) is too long'
          : fe.message;
    return { status, body: { error: codeFor(status), message } };
  }
  if (status === 503) return { status, body: { error: 'unavailable', message: fe.message } };
  return { status: 500, body: { error: 'internal', message: 'internal server error' } };
}

/**
 * The uniform `{ error, message }` body for every error and 404 of every route (fastify-plugin:
 * the handlers are set on the root, so the services' encapsulated route plugins inherit them).
 */
export const errorHandling = fp<{ readonly bodyLimit: number }>(
  async (app, options) => {
    app.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
      const { status, body } = toBody(error, options.bodyLimit);
      if (status === 429 || status === 503) request.log.debug({ status }, 'request refused');
      else if (status >= 500) request.log.error({ err: error }, 'request failed');
      else request.log.info({ status, error: body.error, reason: body.message }, 'request rejected');
      void reply.status(status).send(body);
    });
    app.setNotFoundHandler((request, reply) => {
      void reply
        .status(404)
        .send({ error: 'not_found', message: `no route ${request.method} ${pathOf(request.url)}` });
    });
    // Whatever answered an error without a body (a plugin's `reply.code(404).send()`, e.g. a plain
    // GET of a WebSocket route), the client still gets `{ error, message }`.
    app.addHook('onSend', async (request, reply, payload) => {
      if (reply.statusCode < 400 || (payload !== undefined && payload !== null && payload !== ''))
        return payload;
      const websocketRoute = (request.routeOptions.config as { websocket?: boolean } | undefined)?.websocket;
      if (reply.statusCode === 404 && websocketRoute) {
        void reply.status(426).header('upgrade', 'websocket').type('application/json');
        return JSON.stringify({
          error: 'upgrade_required',
          message: `${pathOf(request.url)} is a WebSocket route: connect with Upgrade: websocket`,
        });
      }
      void reply.type('application/json');
      return JSON.stringify({ error: codeFor(reply.statusCode), message: `HTTP ${reply.statusCode}` });
    });
  },
  { name: 'service-kit-errors' },
);

/** The path without query string, cut short: error messages never echo a whole long URL. */
export function pathOf(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

/**
 * Fastify's `frameworkErrors`: errors of the router before any route or hook runs (an URL that
 * does not decode, a path segment longer than maxParamLength). Same body as everything else.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : (error.statusCode ?? 400);
  const body: ErrorBody =
    error.code === 'FST_ERR_BAD_URL'
      ? { error: 'bad_request', message: 'the URL is not valid (bad percent-encoding?)' }
      : status === 414
        ? { error: 'uri_too_long', message: 'the URL (or one of its path segments) is too long' }
        : status >= 500
          ? { error: 'internal', message: 'internal server error' }
          : { error: codeFor(status), message: error.message };
  request.log.info({ status, error: body.error }, 'request rejected before routing');
  void reply.status(status).send(body);
}

/**
 * Node's `clientError`: a request that is not even HTTP (malformed, headers too large, timed
 * out). Fastify's default answers `{"error":"Bad Request","message":"Client Error",...}`; this
 * answers the uniform body, or nothing when the socket is already gone.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, body]: [number, ErrorBody] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, { error: 'headers_too_large', message: 'request headers (or the URL) are too large' }]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, { error: 'request_timeout', message: 'the request took too long to arrive' }]
        : [400, { error: 'bad_request', message: 'malformed HTTP request' }];
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy();
}
