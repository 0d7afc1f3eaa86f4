import fp from 'fastify-plugin';
import { ErrorSchema } from '../schemas.ts';

const OPS_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** Removes the token from URLs before they reach a log line. */
const redactUrl = (url: string) => url.replace(/([?&]token=)[^&]*/i, '$1[redacted]');

/**
 * Conventions every route gets: a request id header, one log line per request (info for
 * rejected ones, debug otherwise), bodies that reject unknown fields, optional bodies that may
 * be left out, and the error responses in the OpenAPI document. A plugin that reaches every route
 * (fastify-plugin: not encapsulated), registered before the services' route plugins.
 */
export const requestRules = fp(
  async (app) => {
    app.addHook('onSend', async (request, reply) => {
      void reply.header('x-request-id', request.id);
    });
    app.addHook('onResponse', async (request, reply) => {
      const status = reply.statusCode;
      const line = {
        method: request.method,
        url: redactUrl(request.url),
        status,
        ms: Math.round(reply.elapsedTime),
      };
      // Probes and scrapes are routine, 503 from /readyz included; 500s are logged with the error.
      const routine = OPS_ROUTES.has(request.routeOptions.url ?? '');
      if (status >= 400 && !routine) request.log.info(line, 'request completed');
      else request.log.debug(line, 'request completed');
    });
    app.addHook('onRoute', (route) => {
      // Every declared route documents its errors (the body is always ErrorSchema).
      const response = route.schema?.response as Record<string, unknown> | undefined;
      if (route.schema && response) {
        route.schema = { ...route.schema, response: { '4xx': ErrorSchema, '5xx': ErrorSchema, ...response } };
      }
      // Bodies reject unknown fields unless a schema says otherwise explicitly; a body whose fields
      // are all optional may be left out entirely (POST /users/:id/unblock with no body).
      const body = route.schema?.body as Record<string, unknown> | undefined;
      if (body?.type !== 'object') return;
      if (body.additionalProperties === undefined) {
        route.schema = { ...route.schema, body: { ...body, additionalProperties: false } };
      }
      const required = body.required as unknown[] | undefined;
      if (!required || required.length === 0) {
        const emptyBody = async (request: { body: unknown }) => {
          if (request.body === undefined || request.body === null) request.body = {};
        };
        const existing = route.preValidation;
        route.preValidation = [
          emptyBody,
          ...(existing ? (Array.isArray(existing) ? existing : [existing]) : []),
        ];
      }
    });
  },
  { name: 'service-kit-request-rules' },
);
