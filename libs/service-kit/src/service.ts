import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  type Cluster,
  type Codec,
  Emitter,
  type Group,
  groupOwnTopics,
  memoryStorage,
  Processor,
  type ProcessorOptions,
  type RecordMetadata,
  type Storage,
  type TopicSpec,
  View,
} from '@showcase/goka';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Logger } from 'pino';
import type { Auth } from './auth.ts';
import { type Component, processorComponent, viewComponent } from './components.ts';
import type { ConfigOf, EnvSpec } from './config.ts';
import type { ReadinessCheck } from './data-dir-check.ts';
import type { BaseConfig } from './env-spec.ts';
import { unavailable } from './http/errors.ts';
import type { ServiceMetrics } from './metrics.ts';
import { RoutedTable } from './routing/routed-table.ts';
import { defaultFailurePolicy, topicSpecsOf } from './service-topics.ts';
import { processorDefaults } from './stream-host.ts';
import { ensureTopicsReady } from './topics.ts';
import { WsBridge } from './ws-bridge.ts';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

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
  /** The console's admin routes: the owner name shown per group (default `host:pid`), the live feed's interval. */
  readonly admin?: { readonly instance?: string; readonly liveIntervalMs?: number };
}

/**
 * Where a service runs, as main.ts or a test hands it to the service's create function: every
 * service's options extend this, and `buildService` takes it.
 */
export interface ServiceHost {
  readonly cluster: Cluster;
  /** Store builder per component name; default memory. */
  readonly storage?: (component: string) => Storage;
  /** Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
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
  /** Groups of the registered processors and their failure policy (their own topics). */
  private readonly groups: { group: Group<unknown, unknown>; deadLetter: boolean }[] = [];
  /** What the admin routes (console) describe: every processor and view, in registration order. */
  private readonly processorList: Processor<unknown, unknown>[] = [];
  private readonly viewList: View<unknown>[] = [];
  /** Components that have been running at least once (readiness latches; see `ready`). */
  private readonly started = new Set<Component>();
  private _state: ServiceState = 'created';
  /** Where the service listens once started (`http://host:port`), '' before. */
  address = '';
  private stopping: Promise<void> | undefined;
  private declaredTopics: readonly TopicSpec[] | undefined;
  private failureHandler: ((component: Component, error: Error) => void) | undefined;
  /** Conditions besides the components (the data dir: data-dir-check.ts). */
  private readonly checks: ReadinessCheck[] = [];
  /** Processors whose table reads are routed: they publish this instance's endpoint. */
  private readonly routedProcessors = new Set<Processor<unknown, unknown>>();

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

  get registeredProcessors(): readonly Processor<unknown, unknown>[] {
    return this.processorList;
  }

  get registeredViews(): readonly View<unknown>[] {
    return this.viewList;
  }

  get cluster(): Cluster {
    if (!this.options.cluster) throw new Error(`service ${this.name}: no cluster given to createService`);
    return this.options.cluster;
  }

  /**
   * Every view has recovered and every processor has joined its group and recovered once, none
   * has failed, and the service is not shutting down. Once reached, a later rebalance (a
   * processor recovering moved partitions) does not make the service unready: reads come from
   * views, and all instances of a group rebalance at once — they would all drop out of the load
   * balancer together. Rebalances and recovery show in /metrics (goka_processor_state,
   * goka_recovery_records) instead.
   */
  get ready(): boolean {
    if (this._state !== 'listening') return false;
    for (const c of this.components) if (c.running) this.started.add(c);
    if (this.checks.some((check) => check.problem() !== undefined)) return false;
    return this.components.every((c) => this.started.has(c) && c.state !== 'failed');
  }

  /** A readiness condition besides the components, e.g. a writable data dir (data-dir-check.ts). */
  addReadinessCheck(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  /** What the readiness checks report now (/readyz says why it is 503). */
  readinessProblems(): string[] {
    return this.checks.flatMap((check) => check.problem() ?? []);
  }

  /**
   * Registers a processor for the group; it starts with the service and gates /readyz.
   * Failure policy (`onError`) by default: `dead-letter` when the group reads a topic of another
   * service (its name does not start with `<service name>-`): one bad record from elsewhere must
   * not stop this service; `fail` when every input is the service's own. The count of
   * dead-lettered records is `goka_processor_dead_lettered_total` in /metrics.
   */
  processor<V, L>(group: Group<V, L>, options: Omit<ProcessorOptions, 'cluster'> = {}): Processor<V, L> {
    const p = new Processor(group, {
      ...processorDefaults(this.config),
      storage: this.storageFor(group.name),
      logger: this.logger.child({ component: `processor ${group.name}` }),
      onError: this.defaultFailurePolicy(group),
      ...options,
      cluster: this.cluster,
    });
    this.groups.push({
      group: group as unknown as Group<unknown, unknown>,
      deadLetter: (options.onError ?? this.defaultFailurePolicy(group)) === 'dead-letter',
    });
    this.add(processorComponent(p as Processor<unknown, unknown>));
    this.metrics.processor(p as Processor<unknown, unknown>, this.cluster);
    this.processorList.push(p as Processor<unknown, unknown>);
    return p;
  }

  /**
   * Reads of the processor's group table routed to the instance owning the key (answered here
   * or forwarded; routing/routed-table.ts). The processor publishes this instance's endpoint:
   * ADVERTISED_URL, else `http://127.0.0.1:<port>` once listening — so a service with routed
   * tables listens before its processors join their groups.
   */
  routed<V>(processor: Processor<V, unknown>): RoutedTable<V> {
    if (this._state !== 'created') throw new Error(`service ${this.name}: add routed tables before start()`);
    this.routedProcessors.add(processor as Processor<unknown, unknown>);
    return new RoutedTable(processor, {
      timeoutMs: this.config.ROUTED_READ_TIMEOUT_MS,
      logger: this.logger.child({ component: `routed ${processor.group.name}` }),
    });
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
    this.viewList.push(v as View<unknown>);
    return v;
  }

  /** An emitter whose acks are timed in /metrics and which is flushed on shutdown. */
  emitter<T>(topic: { readonly name: string; readonly codec: Codec<T> }): MeteredEmitter<T> {
    const inner = new Emitter<T>({ cluster: this.cluster, topic: topic.name, codec: topic.codec });
    this.emitters.push(inner);
    const histogram = this.metrics.emitDuration;
    const logger = this.logger;
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
          // A TypeError is the caller's code (a key that is not a string, a value the codec
          // refuses): a 500 that names a bug. Anything else means the broker did not acknowledge the
          // write (away past the retry budget, the emitter closed by a shutdown): nothing was
          // accepted and the client may retry, so 503 — the cause goes to the log, not the client.
          if (error instanceof TypeError) throw error;
          logger.warn({ err: error, topic: topic.name }, 'write not acknowledged');
          throw unavailable(`the write to ${topic.name} was not acknowledged by the broker; try again`);
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
    await this.ensureTopics();
    const listen = options.listen !== false;
    // Routed reads: the processors publish the endpoint when they join, so the port (0 picks
    // one) must be known first. Requests before the components run get 503s, as during a rebalance.
    const listenFirst = listen && this.routedProcessors.size > 0;
    if (listenFirst) {
      await this.listen();
      const endpoint = this.advertisedUrl();
      for (const p of this.routedProcessors) p.endpoint = endpoint;
    }
    for (const c of this.components) {
      c.start().catch((error: unknown) => this.failed(c, error));
    }
    await this.app.ready();
    if (listen && !listenFirst) await this.listen();
    this._state = 'listening';
    return this.address;
  }

  private async listen(): Promise<void> {
    const address = await this.app.listen({ port: this.config.PORT, host: this.config.HOST });
    this.address = address;
    this.logger.debug({ address }, `${this.name} listening`);
  }

  /** Where other instances reach this one: ADVERTISED_URL, else 127.0.0.1 and the port listened on. */
  private advertisedUrl(): string {
    if (this.config.ADVERTISED_URL) return this.config.ADVERTISED_URL.replace(/\/+$/, '');
    const bound = this.app.server.address();
    const port = typeof bound === 'object' && bound ? bound.port : this.config.PORT;
    return `http://127.0.0.1:${port}`;
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
   * The service's topics, created (and awaited) before any component starts: a service built
   * from a definition declares every topic its groups, views and emitters touch, derived from
   * them (`buildService`). Without a declaration, `start()` creates each processor's own topics.
   */
  declareTopics(specs: readonly TopicSpec[]): void {
    if (this._state !== 'created') throw new Error(`service ${this.name}: declare topics before start()`);
    this.declaredTopics = specs;
  }

  /**
   * The declared topics, or else each processor's own topics (table, loop, dead-letter) with its
   * inputs' partition count, created and awaited until the broker serves them. A processor
   * creates its own topics too, but probes them at once: on a fresh broker a topic created a
   * moment ago answers "does not host this topic-partition" for a while, which would fail the
   * processor at start.
   */
  private async ensureTopics(): Promise<void> {
    if (!this.options.cluster) return;
    const cluster = this.options.cluster;
    const specs: TopicSpec[] = [...(this.declaredTopics ?? [])];
    if (!this.declaredTopics) {
      for (const { group, deadLetter } of this.groups) {
        const input = group.inputs[0]?.topic;
        const n = input ? await cluster.partitionCount(input) : undefined;
        if (n === undefined) continue; // the processor reports missing inputs itself
        specs.push(...topicSpecsOf(groupOwnTopics(group, deadLetter), n));
      }
    }
    if (specs.length > 0) await ensureTopicsReady(cluster, specs);
  }

  /** `dead-letter` for groups reading another service's topics, `fail` otherwise. */
  defaultFailurePolicy(group: {
    readonly inputs: readonly { readonly topic: string }[];
  }): 'fail' | 'dead-letter' {
    return defaultFailurePolicy(this.name, group);
  }

  private add(component: Component): void {
    if (this._state !== 'created') throw new Error(`service ${this.name}: add components before start()`);
    this.components.push(component);
    component.onRunning?.(() => {
      if (component.running) this.started.add(component);
    });
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
