import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController } from 'fastify';
import { nanoid } from 'nanoid';
import { registerAdminRoutes } from './admin/index.ts';
import { installAuth } from './auth.ts';
import { ConfigError, type ConfigOf, type EnvSpec, loadConfig } from './config.ts';
import { type BaseConfig, baseEnvSpec } from './env-spec.ts';
import { clientErrorHandler, frameworkErrors, installErrorHandling, unavailable } from './http/errors.ts';
import { installRateLimit } from './http/rate-limit.ts';
import { installRequestRules } from './http/request-rules.ts';
import { validatorCompiler } from './http/validation.ts';
import { installWebsocket } from './http/websocket.ts';
import { createLogger, type LogFormat, logFormat } from './logger.ts';
import { ServiceMetrics } from './metrics.ts';
import { registerOpsRoutes } from './ops-routes.ts';
import { type App, Service, type ServiceOptions } from './service.ts';
import { DEV_AUTH_SECRET, MIN_SECRET_LENGTH, type TokenClaims } from './token.ts';

/**
 * Builds the service: config (throws ConfigError naming every bad variable), logger, Fastify
 * with the shared plugins and routes. Add routes and components, then `start()` or `run()`.
 *
 * On by default, for every service: uniform `{ error, message }` bodies for every 4xx/5xx (also
 * those Fastify or Node produce before a route runs), bodies validated without type coercion,
 * token rules (valid user id as `sub`, `exp` required, bounded lifetime, no `iat` from the
 * future), rate limiting per user / IP, a cap on WebSocket connections per user, WebSocket
 * routes in OpenAPI, 503 with the uniform body while shutting down, and `dead-letter` as the
 * failure policy of processors that read other services' topics.
 */
export async function createService<S extends EnvSpec = Record<never, never>>(
  options: ServiceOptions<S>,
): Promise<Service<S>> {
  const source = options.env ?? process.env;
  const spec = { ...baseEnvSpec(options.port), ...(options.config ?? ({} as S)) };
  const loaded = loadConfig(spec, source) as ConfigOf<ReturnType<typeof baseEnvSpec>> & ConfigOf<S>;
  let secret = loaded.AUTH_SECRET;
  const format: LogFormat = loaded.LOG_FORMAT === 'auto' ? logFormat({}) : loaded.LOG_FORMAT;
  const logger = options.logger ?? createLogger(options.name, loaded.LOG_LEVEL, format);
  if (!secret) {
    if (loaded.NODE_ENV !== 'development') {
      throw new ConfigError([
        `AUTH_SECRET is required — set a shared secret of at least ${MIN_SECRET_LENGTH} bytes (e.g. export AUTH_SECRET=$(openssl rand -base64 32)), or NODE_ENV=development to use the built-in dev secret`,
      ]);
    }
    secret = DEV_AUTH_SECRET;
    logger.warn('AUTH_SECRET is not set: using the insecure development secret (NODE_ENV=development)');
  }
  const config = Object.freeze({ ...loaded, AUTH_SECRET: secret }) as BaseConfig & ConfigOf<S>;

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
    // Shutdown's 503 comes from the hook below, with the uniform body.
    return503OnClosing: false,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
  app.setValidatorCompiler(validatorCompiler());

  const metrics = new ServiceMetrics(options.name);
  installErrorHandling(app, { bodyLimit: config.BODY_LIMIT });
  metrics.instrument(app);
  app.addHook('onRequest', async (_request, reply) => {
    const state = service?.state;
    if (state === 'stopping' || state === 'stopped') {
      void reply.header('connection', 'close');
      throw unavailable('the service is shutting down; retry on another instance');
    }
  });
  installRequestRules(app);
  await installRateLimit(
    app,
    {
      max: config.RATE_LIMIT_MAX,
      windowMs: config.RATE_LIMIT_WINDOW_MS,
      loopback: config.RATE_LIMIT_LOOPBACK,
    },
    (token) => app.jwt.verify<TokenClaims>(token),
  );

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
  await installWebsocket(app, { maxPayload: config.WS_MAX_PAYLOAD, maxPerUser: config.WS_MAX_PER_USER });
  const auth = await installAuth(app, secret, { maxTtlSeconds: config.TOKEN_MAX_TTL_S });
  service = new Service<S>(options, { app, config, logger, metrics, auth });
  registerOpsRoutes(service as unknown as Service<EnvSpec>);
  // Topology, per-partition status, table queries and dead letters for the console (admin only).
  const described = service;
  registerAdminRoutes(app, {
    service: options.name,
    cluster: () => described.cluster,
    processors: () => described.registeredProcessors,
    views: () => described.registeredViews,
    admin: auth.admin,
    ...options.admin,
  });
  return service;
}

const AUTH_DOC =
  'Authentication: `Authorization: Bearer <jwt>` (HS256, signed with the service\'s AUTH_SECRET; `sub` = user id, `role: "admin"` for moderation, `exp` required). ' +
  'Get one with `npm run -s token -- --user <id> [--admin]` in a shell that has the same AUTH_SECRET, then press Authorize. ' +
  'Errors are `{ error, message, field? }`; 429 comes with Retry-After.';
