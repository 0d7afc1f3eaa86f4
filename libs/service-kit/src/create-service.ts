import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import fp from 'fastify-plugin';
import { nanoid } from 'nanoid';
import { registerAdminRoutes } from './admin/index.ts';
import { type Auth, installAuth } from './auth.ts';
import type { EnvSpec } from './config.ts';
import { clientErrorHandler, errorHandling, frameworkErrors, unavailable } from './http/errors.ts';
import { rateLimit } from './http/rate-limit.ts';
import { requestRules } from './http/request-rules.ts';
import { validatorCompiler } from './http/validation.ts';
import { websocket } from './http/websocket.ts';
import { ServiceMetrics } from './metrics.ts';
import { opsRoutes } from './ops-routes.ts';
import { type App, Service, type ServiceOptions } from './service.ts';
import { type ResolvedConfig, resolveServiceConfig } from './service-config.ts';
import type { TokenClaims } from './token.ts';

/**
 * Builds the service: config (throws ConfigError naming every bad variable; pass `resolved` when
 * the caller loaded it already, as `runService` does), logger, Fastify with the shared plugins
 * and routes. Add routes and components, then `start()` or `run()`. A service written as a
 * definition (`defineService`) gets all of this through `buildService`.
 *
 * On by default, for every service: uniform `{ error, message }` bodies for every 4xx/5xx (also
 * those Fastify or Node produce before a route runs), bodies validated without type coercion,
 * token rules (valid user id as `sub`, `exp` required, bounded lifetime, no `iat` from the
 * future), rate limiting per user / IP, a cap on WebSocket connections per user, WebSocket
 * routes in OpenAPI, 503 with the uniform body while shutting down, and `dead-letter` as the
 * failure policy of processors that read other services' topics. Each is a Fastify plugin
 * (fastify-plugin where it must reach every route, the services' encapsulated ones included).
 */
export async function createService<S extends EnvSpec = Record<never, never>>(
  options: ServiceOptions<S>,
  resolved: ResolvedConfig<S> = resolveServiceConfig(
    { name: options.name, port: options.port, ...specAndLogger(options) },
    options.env ?? process.env,
  ),
): Promise<Service<S>> {
  const { config, logger } = resolved;

  let service: Service<S> | undefined;
  const app = Fastify({
    loggerInstance: logger,
    // One line per request, written by the onResponse hook (debug for successes).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    genReqId: () => nanoid(12),
    requestIdHeader: 'x-request-id',
    bodyLimit: config.BODY_LIMIT,
    // Errors before routing and on the socket get the uniform body too (errors.ts).
    frameworkErrors,
    clientErrorHandler,
    // Shutdown's 503 comes from the plugin below, with the uniform body.
    return503OnClosing: false,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
  app.setValidatorCompiler(validatorCompiler());

  const metrics = new ServiceMetrics(options.name);
  await app.register(errorHandling, { bodyLimit: config.BODY_LIMIT });
  await app.register(metrics.plugin);
  await app.register(shuttingDown, { state: () => service?.state });
  await app.register(requestRules);
  await app.register(rateLimit, {
    max: config.RATE_LIMIT_MAX,
    windowMs: config.RATE_LIMIT_WINDOW_MS,
    loopback: config.RATE_LIMIT_LOOPBACK,
    verify: (token) => app.jwt.verify<TokenClaims>(token),
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: options.name,
        description: `${options.description ?? `${options.name} API`}\n\n${AUTH_DOC}`,
        version: options.version ?? '0.1.0',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: AUTH_DOC },
        },
      },
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(websocket, { maxPayload: config.WS_MAX_PAYLOAD, maxPerUser: config.WS_MAX_PER_USER });
  let auth: Auth | undefined;
  await app.register(
    fp(
      async (root: FastifyInstance) => {
        auth = await installAuth(root, config.AUTH_SECRET, { maxTtlSeconds: config.TOKEN_MAX_TTL_S });
      },
      { name: 'service-kit-auth' },
    ),
  );
  if (!auth) throw new Error(`service ${options.name}: the auth plugin did not load`);
  const described = new Service<S>(options, { app, config, logger, metrics, auth });
  service = described;
  await app.register(opsRoutes, { service: described as unknown as Service<EnvSpec> });
  // Topology, per-partition status, table queries and dead letters for the console (admin only).
  const admin = auth.admin;
  await app.register(async (scope) =>
    registerAdminRoutes(scope, {
      service: options.name,
      cluster: () => described.cluster,
      processors: () => described.registeredProcessors,
      views: () => described.registeredViews,
      admin,
      ...options.admin,
    }),
  );
  return described;
}

function specAndLogger<S extends EnvSpec>(options: ServiceOptions<S>) {
  return {
    ...(options.config ? { spec: options.config } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  };
}

/** New requests get 503 with the uniform body once the service is stopping (every route). */
const shuttingDown = fp<{ readonly state: () => string | undefined }>(
  async (app, { state }) => {
    app.addHook('onRequest', async (_request, reply) => {
      const now = state();
      if (now === 'stopping' || now === 'stopped') {
        void reply.header('connection', 'close');
        throw unavailable('the service is shutting down; retry on another instance');
      }
    });
  },
  { name: 'service-kit-shutting-down' },
);

const AUTH_DOC =
  'Authentication: `Authorization: Bearer <jwt>` (HS256, signed with the service\'s AUTH_SECRET; `sub` = user id, `role: "admin"` for moderation, `exp` required). ' +
  'Get one with `npm run -s token -- --user <id> [--admin]` in a shell that has the same AUTH_SECRET, then press Authorize. ' +
  'Errors are `{ error, message, field? }`; 429 comes with Retry-After.';
