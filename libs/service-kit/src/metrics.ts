import type { Cluster, Processor, ProcessorState, View, ViewState } from '@showcase/goka';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

// Records over the state unions: a state added in goka fails to compile here until it has a gauge.
const PROCESSOR_STATE_SET: Record<ProcessorState, true> = {
  idle: true,
  starting: true,
  recovering: true,
  running: true,
  stopping: true,
  stopped: true,
  failed: true,
};
const VIEW_STATE_SET: Record<ViewState, true> = {
  idle: true,
  recovering: true,
  running: true,
  stalled: true,
  stopping: true,
  stopped: true,
  failed: true,
};
const PROCESSOR_STATES = Object.keys(PROCESSOR_STATE_SET) as ProcessorState[];
const VIEW_STATES = Object.keys(VIEW_STATE_SET) as ViewState[];

/**
 * One Prometheus registry per service (not the global one: tests run several services in one
 * process). Goka figures are read from `stats()` at scrape time, so nothing runs between scrapes.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly emitDuration: Histogram<'topic' | 'outcome'>;
  readonly wsConnections: Gauge<'route'>;
  readonly wsDropped: Counter<'route' | 'reason'>;
  private readonly processors: Processor<unknown, unknown>[] = [];
  private readonly lagSources = new Map<Processor<unknown, unknown>, Cluster>();
  private readonly views: View<unknown>[] = [];

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.emitDuration = new Histogram({
      name: 'goka_emit_duration_seconds',
      help: 'Time from emit to broker acknowledgement, per topic',
      labelNames: ['topic', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.wsConnections = new Gauge({
      name: 'ws_connections',
      help: 'Open WebSocket connections per route',
      labelNames: ['route'],
      registers,
    });
    this.wsDropped = new Counter({
      name: 'ws_messages_dropped_total',
      help: 'WebSocket messages dropped by back-pressure (drop-oldest) or lost with a closed slow consumer',
      labelNames: ['route', 'reason'],
      registers,
    });

    // prom-client's defaults have heap used and external but not the ArrayBuffer part of external
    // (Buffers: Kafka fetches, LevelDB values): a soak tells a heap leak from buffer churn with it.
    new Gauge({
      name: 'nodejs_array_buffers_bytes',
      help: 'Memory of ArrayBuffers and Buffers (part of nodejs_external_memory_bytes)',
      registers,
      collect() {
        this.set(process.memoryUsage().arrayBuffers);
      },
    });

    const processors = this.processors;
    const views = this.views;
    new Gauge({
      name: 'goka_processor_state',
      help: '1 for the current state of each processor',
      labelNames: ['group', 'state'],
      registers,
      collect() {
        this.reset();
        for (const p of processors) {
          for (const s of PROCESSOR_STATES)
            this.set({ group: p.group.name, state: s }, p.state === s ? 1 : 0);
        }
      },
    });
    new Counter({
      name: 'goka_processor_processed_total',
      help: 'Messages processed by this instance since start',
      labelNames: ['group'],
      registers,
      collect() {
        this.reset();
        for (const p of processors) this.inc({ group: p.group.name }, p.stats().processed);
      },
    });
    new Counter({
      name: 'goka_processor_dead_lettered_total',
      help: 'Messages sent to the dead-letter topic since start',
      labelNames: ['group'],
      registers,
      collect() {
        this.reset();
        for (const p of processors) this.inc({ group: p.group.name }, p.stats().deadLettered);
      },
    });
    new Gauge({
      name: 'goka_processor_partitions',
      help: 'Partitions this instance owns',
      labelNames: ['group'],
      registers,
      collect() {
        this.reset();
        for (const p of processors) this.set({ group: p.group.name }, p.partitions.length);
      },
    });
    new Gauge({
      name: 'goka_processor_in_flight',
      help: 'Messages started whose effects are not all acknowledged yet',
      labelNames: ['group'],
      registers,
      collect() {
        this.reset();
        for (const p of processors) {
          this.set(
            { group: p.group.name },
            p.stats().partitions.reduce((n, s) => n + s.inFlight, 0),
          );
        }
      },
    });
    new Gauge({
      name: 'goka_recovery_records',
      help: 'Changelog records replayed (done) and to replay (total) during recovery',
      labelNames: ['kind', 'name', 'progress'],
      registers,
      collect() {
        this.reset();
        for (const p of processors) {
          const r = p.stats().recovery;
          this.set({ kind: 'processor', name: p.group.name, progress: 'done' }, r.done);
          this.set({ kind: 'processor', name: p.group.name, progress: 'total' }, r.total);
        }
        for (const v of views) {
          const r = v.stats().recovery;
          this.set({ kind: 'view', name: v.table, progress: 'done' }, r.done);
          this.set({ kind: 'view', name: v.table, progress: 'total' }, r.total);
        }
      },
    });
    new Gauge({
      name: 'goka_recovery_rate',
      help: 'Recovery speed in records per second',
      labelNames: ['kind', 'name'],
      registers,
      collect() {
        this.reset();
        for (const p of processors)
          this.set({ kind: 'processor', name: p.group.name }, p.stats().recovery.rate);
        for (const v of views) this.set({ kind: 'view', name: v.table }, v.stats().recovery.rate);
      },
    });
    const lagSources = this.lagSources;
    new Gauge({
      name: 'goka_processor_lag',
      help: 'Records of an input partition not processed yet (high-water mark minus position)',
      labelNames: ['group', 'topic', 'partition'],
      registers,
      async collect() {
        this.reset();
        const highs = new Map<string, Map<number, number>>();
        for (const [p, cluster] of lagSources) {
          for (const part of p.stats().partitions) {
            for (const [topic, position] of Object.entries(part.positions)) {
              let high = highs.get(topic);
              if (!high) {
                // A scrape must not fail because the broker is briefly away: skip the topic.
                const offsets = await cluster.offsets(topic).catch(() => []);
                high = new Map(offsets.map((o) => [o.partition, o.high]));
                highs.set(topic, high);
              }
              const hwm = high.get(part.partition);
              if (hwm === undefined) continue;
              this.set(
                { group: p.group.name, topic, partition: String(part.partition) },
                Math.max(0, hwm - position.consumed),
              );
            }
          }
        }
      },
    });
    new Gauge({
      name: 'goka_view_state',
      help: '1 for the current state of each view',
      labelNames: ['table', 'state'],
      registers,
      collect() {
        this.reset();
        for (const v of views) {
          for (const s of VIEW_STATES) this.set({ table: v.table, state: s }, v.state === s ? 1 : 0);
        }
      },
    });
  }

  /** With the cluster, the processor's lag per input partition is exported too. */
  processor(p: Processor<unknown, unknown>, cluster?: Cluster): void {
    this.processors.push(p);
    if (cluster) this.lagSources.set(p, cluster);
  }

  view(v: View<unknown>): void {
    this.views.push(v);
  }

  /**
   * Times every request by its route pattern (not the raw URL: bounded label values). A plugin
   * that reaches every route (fastify-plugin): `app.register(metrics.plugin)`.
   */
  readonly plugin = fp(
    async (app) => {
      app.addHook('onResponse', async (request, reply) => {
        const route = request.routeOptions.url ?? 'unmatched';
        this.httpDuration.observe(
          { method: request.method, route, status_code: String(reply.statusCode) },
          reply.elapsedTime / 1000,
        );
      });
    },
    { name: 'service-kit-metrics' },
  );

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
