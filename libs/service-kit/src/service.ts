import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import fastifyWebsocket from '@fastify/websocket';
import {
  type Cluster,
  type Codec,
  Emitter,
  type Group,
  memoryStorage,
  Processor,
  type ProcessorOptions,
  type RecordMetadata,
  type Storage,
  View,
} from '@showcase/goka';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { nanoid } from 'nanoid';
import { type Logger, pino } from 'pino';
import { type Auth, installAuth } from './auth.ts';
import { type Component, processorComponent, viewComponent } from './components.ts';
import { ConfigError, type ConfigOf, type EnvSpec, env, loadConfig } from './config.ts';
import { installErrorHandling } from './errors.ts';
import { ServiceMetrics } from './metrics.ts';
import { DEV_AUTH_SECRET, MIN_SECRET_LENGTH } from './token.ts';
import { WsBridge } from './ws-bridge.ts';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** Variables every service reads; a service adds its own with `config`. */
export function baseEnvSpec(defaultPort: number) {
  return {
    PORT: env.port({ default: defaultPort, doc: 'HTTP port' }),
    HOST: env.string({ default: '127.0.0.1', doc: 'interface to listen on (0.0.0.0 in containers)' }),
    AUTH_SECRET: env.optionalString({
      minLength: MIN_SECRET_LENGTH,
      doc: 'HS256 secret for bearer tokens; required unless NODE_ENV=development',
    }),
    NODE_ENV: env.oneOf(['production', 'development', 'test'], { default: 'production', doc: 'run mode' }),
    LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      default: 'info',
      doc: 'pino log level',
    }),
    BODY_LIMIT: env.int({
      default: 16 * 1024,
      min: 1024,
      max: 10 * 1024 * 1024,
      doc: 'max request body, bytes',
    }),
    SHUTDOWN_TIMEOUT_MS: env.int({ default: 30_000, min: 1000, doc: 'graceful shutdown deadline' }),
  };
}
export type BaseConfig = ConfigOf<ReturnType<typeof baseEnvSpec>> & { readonly AUTH_SECRET: string };

export interface ServiceOptions<S extends EnvSpec> {
  readonly name: string;
  /** Default port; env PORT overrides it. */
  readonly port: number;
  readonly description?: string;
  readonly version?: string;
  /** The service's own variables, validated together with the base ones. */
  readonly config?: S;
  /** Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Where processors, views and emitters made by the service run. */
  readonly cluster?: Cluster;
  /** Store builder per component name (`<group>` or `view-<table>`); default memory. */
  readonly storage?: (component: string) => Storage;
  readonly logger?: Logger;
}

export interface MeteredEmitter<T> {
  readonly topic: string;
  emit(key: string, value: T | null): Promise<RecordMetadata>;
}

export type ServiceState = 'created' | 'starting' | 'listening' | 'stopping' | 'stopped';

/**
 * A Fastify app plus the stream components behind it, with the conventions every service shares:
 * validated env config, pino logs with request ids, TypeBox routes, OpenAPI at /docs, /healthz,
 * /readyz, /metrics, uniform JSON errors, JWT auth, WebSocket bridge and graceful shutdown.
 */
export class Service<S extends EnvSpec = EnvSpec> {
  readonly name: string;
  readonly app: App;
  readonly config: BaseConfig & ConfigOf<S>;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  readonly ws: WsBridge;
  readonly auth: Auth;
  private readonly components: Component[] = [];
  private readonly emitters: { close(): Promise<void> }[] = [];
  private readonly stopHooks: (() => Promise<void> | void)[] = [];
  private readonly startHooks: (() => Promise<void> | void)[] = [];
  private readonly storages = new Map<string, Storage>();
  private readonly reported = new Set<Component>();
  private _state: ServiceState = 'created';
  private stopping: Promise<void> | undefined;
  private failureHandler: ((component: Component, error: Error) => void) | undefined;

  /** Use `createService`. */
  constructor(
    private readonly options: ServiceOptions<S>,
    parts: {
      app: App;
      config: BaseConfig & ConfigOf<S>;
      logger: Logger;
      metrics: ServiceMetrics;
      auth: Auth;
    },
  ) {
    this.name = options.name;
    this.app = parts.app;
    this.config = parts.config;
    this.logger = parts.logger;
    this.metrics = parts.metrics;
    this.auth = parts.auth;
    this.ws = new WsBridge(this.logger.child({ component: 'ws' }), this.metrics);
    this.app.addHook('preClose', async () => this.ws.closeAll());
  }

  get state(): ServiceState {
    return this._state;
  }

  get cluster(): Cluster {
    if (!this.options.cluster) throw new Error(`service ${this.name}: no cluster given to createService`);
    return this.options.cluster;
  }

  /** Every processor and view is running and the service is not shutting down. */
  get ready(): boolean {
    return this._state === 'listening' && this.components.every((c) => c.running);
  }

  /** Registers a processor for the group; it starts with the service and gates /readyz. */
  processor<V, L>(group: Group<V, L>, options: Omit<ProcessorOptions, 'cluster'> = {}): Processor<V, L> {
    const p = new Processor(group, {
      storage: this.storageFor(group.name),
      logger: this.logger.child({ component: `processor ${group.name}` }),
      ...options,
      cluster: this.cluster,
    });
    this.add(processorComponent(p as Processor<unknown, unknown>));
    this.metrics.processor(p as Processor<unknown, unknown>, this.cluster);
    return p;
  }

  /** Registers a view of a table (e.g. a contract from libs/contracts, or `group.table`). */
  view<T>(table: { readonly name: string; readonly codec: Codec<T> }): View<T> {
    const v = new View<T>({
      cluster: this.cluster,
      table: table.name,
      codec: table.codec,
      storage: this.storageFor(`view-${table.name}`),
      logger: this.logger.child({ component: `view ${table.name}` }),
    });
    this.add(viewComponent(v as View<unknown>));
    this.metrics.view(v as View<unknown>);
    return v;
  }

  /** An emitter whose acks are timed in /metrics and which is flushed on shutdown. */
  emitter<T>(topic: { readonly name: string; readonly codec: Codec<T> }): MeteredEmitter<T> {
    const inner = new Emitter<T>({ cluster: this.cluster, topic: topic.name, codec: topic.codec });
    this.emitters.push(inner);
    const histogram = this.metrics.emitDuration;
    return {
      topic: topic.name,
      async emit(key, value) {
        const end = histogram.startTimer({ topic: topic.name });
        try {
          const meta = await inner.emit(key, value);
          end({ outcome: 'ok' });
          return meta;
        } catch (error) {
          end({ outcome: 'error' });
          throw error;
        }
      },
    };
  }

  /** Runs at the beginning of start(), before any component starts (e.g. creating topics). */
  onStart(hook: () => Promise<void> | void): void {
    this.startHooks.push(hook);
  }

  /** Runs after processors, views and emitters stopped (e.g. closing the cluster). */
  onStop(hook: () => Promise<void> | void): void {
    this.stopHooks.push(hook);
  }

  /** What happens when a processor or view fails while running; default: log only. */
  onFailure(handler: (component: Component, error: Error) => void): void {
    this.failureHandler = handler;
  }

  /** Component states for /readyz and tests. */
  componentStates() {
    return this.components.map((c) => ({
      kind: c.kind,
      name: c.name,
      state: c.state,
      recovery: c.recovery,
      ...(c.error ? { error: c.error.message } : {}),
    }));
  }

  /**
   * Starts every processor and view (their recovery continues in the background; /readyz tells
   * when it is done), then listens. Returns the address.
   */
  async start(options: { listen?: boolean } = {}): Promise<string> {
    if (this._state !== 'created')
      throw new Error(`service ${this.name}: cannot start in state ${this._state}`);
    this._state = 'starting';
    for (const hook of this.startHooks) await hook();
    for (const c of this.components) {
      c.start().catch((error: unknown) => this.failed(c, error));
    }
    await this.app.ready();
    let address = '';
    if (options.listen !== false) {
      address = await this.app.listen({ port: this.config.PORT, host: this.config.HOST });
      this.logger.info({ address }, `${this.name} listening`);
    }
    this._state = 'listening';
    return address;
  }

  /** Resolves once every component runs; rejects if one fails or `timeoutMs` passes. */
  async whenReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ready) {
      const failed = this.components.find((c) => c.state === 'failed');
      if (failed) throw new Error(`${failed.kind} ${failed.name} failed: ${failed.error?.message}`);
      if (Date.now() > deadline) {
        throw new Error(
          `service ${this.name} not ready after ${timeoutMs} ms: ${JSON.stringify(this.componentStates())}`,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * Graceful stop: readiness goes false, WebSocket clients get 1001, the server stops listening
   * and finishes in-flight requests, processors drain and commit, emitters flush, views close,
   * then the stop hooks run. Idempotent.
   */
  stop(): Promise<void> {
    if (!this.stopping) this.stopping = this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const started = Date.now();
    this._state = 'stopping';
    this.logger.info(`${this.name} stopping`);
    // app.close(): new requests get 503, the preClose hook closes the sockets (1001), the server
    // stops listening and in-flight requests finish.
    await this.app
      .close()
      .catch((error: unknown) => this.logger.error({ err: error }, 'closing HTTP failed'));
    const settle = async (what: string, work: Promise<unknown>[]) => {
      for (const r of await Promise.allSettled(work)) {
        if (r.status === 'rejected') this.logger.error({ err: r.reason }, `stopping ${what} failed`);
      }
    };
    await settle(
      'processors',
      this.components.filter((c) => c.kind === 'processor').map((c) => c.stop()),
    );
    await settle(
      'emitters',
      this.emitters.map((e) => e.close()),
    );
    await settle(
      'views',
      this.components.filter((c) => c.kind === 'view').map((c) => c.stop()),
    );
    for (const hook of this.stopHooks) await settle('stop hook', [Promise.resolve().then(hook)]);
    this._state = 'stopped';
    this.logger.info({ ms: Date.now() - started }, `${this.name} stopped`);
  }

  /**
   * For main.ts: start, stop gracefully on SIGTERM/SIGINT and exit 0; exit 1 when a component
   * fails, when starting fails, or when stopping takes longer than SHUTDOWN_TIMEOUT_MS.
   */
  async run(): Promise<void> {
    let exiting = false;
    const exit = (code: number, why: string) => {
      if (exiting) return;
      exiting = true;
      this.logger.info({ why }, `${this.name} shutting down`);
      const timer = setTimeout(() => {
        this.logger.error(`${this.name}: shutdown took longer than ${this.config.SHUTDOWN_TIMEOUT_MS} ms`);
        process.exit(1);
      }, this.config.SHUTDOWN_TIMEOUT_MS);
      timer.unref();
      this.stop().then(
        () => process.exit(code),
        () => process.exit(1),
      );
    };
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.on(signal, () => {
        // A process tree often delivers one stop twice (the terminal's SIGINT to the whole group
        // plus the parent's SIGTERM, or tsx relaying it): the graceful stop goes on, bounded by
        // SHUTDOWN_TIMEOUT_MS.
        if (exiting) {
          this.logger.info(`${signal} while stopping: still stopping gracefully`);
          return;
        }
        exit(0, signal);
      });
    }
    this.onFailure((c, error) => exit(1, `${c.kind} ${c.name} failed: ${error.message}`));
    try {
      await this.start();
    } catch (error) {
      this.logger.fatal({ err: error }, `${this.name} failed to start`);
      exit(1, 'start failed');
      return;
    }
    this.whenReady(Number.POSITIVE_INFINITY).then(
      () => this.logger.info(`${this.name} ready`),
      () => undefined, // failures are reported by the failure handler
    );
  }

  private add(component: Component): void {
    if (this._state !== 'created') throw new Error(`service ${this.name}: add components before start()`);
    this.components.push(component);
    // Failures after start() resolved (lost session, failing callback) arrive as state changes.
    component.onFailed((error) => this.failed(component, error));
  }

  private failed(component: Component, error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    if (this._state === 'stopping' || this._state === 'stopped') return;
    if (this.reported.has(component)) return;
    this.reported.add(component);
    this.logger.error({ err, component: component.name }, `${component.kind} ${component.name} failed`);
    this.failureHandler?.(component, err);
  }

  private storageFor(component: string): Storage {
    let storage = this.storages.get(component);
    if (!storage) {
      storage = this.options.storage?.(component) ?? memoryStorage();
      this.storages.set(component, storage);
    }
    return storage;
  }
}

/** The pino logger services use (JSON lines, authorization headers redacted). */
export function createLogger(name: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, redact: ['req.headers.authorization', 'headers.authorization'] });
}

const OPS_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** Removes the token from URLs before they reach a log line. */
const redactUrl = (url: string) => url.replace(/([?&]token=)[^&]*/i, '$1[redacted]');

/**
 * Builds the service: config (throws ConfigError naming every bad variable), logger, Fastify
 * with the shared plugins and routes. Add routes and components, then `start()` or `run()`.
 */
export async function createService<S extends EnvSpec = Record<never, never>>(
  options: ServiceOptions<S>,
): Promise<Service<S>> {
  const source = options.env ?? process.env;
  const spec = { ...baseEnvSpec(options.port), ...(options.config ?? ({} as S)) };
  const loaded = loadConfig(spec, source) as ConfigOf<ReturnType<typeof baseEnvSpec>> & ConfigOf<S>;
  let secret = loaded.AUTH_SECRET;
  const logger = options.logger ?? createLogger(options.name, loaded.LOG_LEVEL);
  if (!secret) {
    if (loaded.NODE_ENV !== 'development') {
      throw new ConfigError([
        'AUTH_SECRET is required — set a shared secret (at least 16 characters), or NODE_ENV=development to use the built-in dev secret',
      ]);
    }
    secret = DEV_AUTH_SECRET;
    logger.warn('AUTH_SECRET is not set: using the insecure development secret (NODE_ENV=development)');
  }
  const config = Object.freeze({ ...loaded, AUTH_SECRET: secret }) as BaseConfig & ConfigOf<S>;

  const app = Fastify({
    loggerInstance: logger,
    // One line per request, written by the onResponse hook below (debug for successes).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    genReqId: () => nanoid(12),
    requestIdHeader: 'x-request-id',
    bodyLimit: config.BODY_LIMIT,
    ajv: {
      // Unknown fields are an error the client must hear about, not something to drop silently.
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  const metrics = new ServiceMetrics(options.name);
  installErrorHandling(app, { bodyLimit: config.BODY_LIMIT });
  metrics.instrument(app);
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
  // Bodies reject unknown fields unless a schema says otherwise explicitly; a body whose fields
  // are all optional may be left out entirely (POST /users/:id/unblock with no body).
  app.addHook('onRoute', (route) => {
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

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: options.name,
        description: options.description ?? `${options.name} API`,
        version: options.version ?? '0.1.0',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(fastifyWebsocket, {
    options: { maxPayload: 4096 },
    // Sockets are closed by the service's own preClose hook (1001, with the bridge's bookkeeping).
    preClose: (done) => done(),
  });
  const auth = await installAuth(app, secret);
  const service = new Service<S>(options, { app, config, logger, metrics, auth });
  registerOpsRoutes(service);
  return service;
}

function registerOpsRoutes(service: Service<EnvSpec>): void {
  const { app } = service;
  const ops = { tags: ['ops'] };
  app.get(
    '/healthz',
    { schema: { ...ops, summary: 'Liveness: 503 once a processor or view failed' } },
    async (_req, reply) => {
      const failed = service.componentStates().filter((c) => c.state === 'failed');
      if (failed.length > 0) {
        return reply.status(503).send({
          error: 'unhealthy',
          message: failed.map((c) => `${c.kind} ${c.name} failed: ${c.error ?? 'unknown'}`).join('; '),
          status: 'failed',
        });
      }
      return { status: 'ok', service: service.name };
    },
  );
  app.get(
    '/readyz',
    { schema: { ...ops, summary: 'Readiness: 200 once every processor and view runs, 503 before' } },
    async (_req, reply) => {
      const components = service.componentStates();
      if (service.ready) return { status: 'ready', service: service.name, components };
      const waiting = components.filter((c) => c.state !== 'running');
      const message =
        service.state === 'stopping' || service.state === 'stopped'
          ? 'shutting down'
          : `waiting for ${waiting.map((c) => `${c.kind} ${c.name} (${c.state})`).join(', ') || 'start'}`;
      return reply.status(503).send({ error: 'not_ready', message, status: 'not_ready', components });
    },
  );
  app.get('/metrics', { schema: { ...ops, summary: 'Prometheus metrics' } }, async (_req, reply) => {
    const { contentType, body } = await service.metrics.render();
    return reply.type(contentType).send(body);
  });
}
