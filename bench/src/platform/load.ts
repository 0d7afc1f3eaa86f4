/**
 * The load generator of the platform scenario, a process of its own (the services and the broker
 * are measured without it; its own CPU is measured too). Tasks arrive on the IPC channel:
 * - `closed`: autocannon (programmatic) with `connections` keep-alive connections for
 *   `durationMs`: each connection sends its next request when the last one is answered — the
 *   maximum accepted rate;
 * - `open`: requests sent on a schedule (`rate`/s) over a keep-alive pool, whether earlier ones
 *   were answered or not; latency runs from each request's scheduled send time, so a server or a
 *   client that falls behind shows as latency (no coordinated omission);
 * - `direct`: `records` events written to the route's input topic with goka's Emitter.
 * Times sent back are epoch milliseconds (`performance.timeOrigin + performance.now()`), which the
 * scenario's process compares with its own.
 */
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { Emitter } from '@showcase/goka';
import { mintToken } from '@showcase/service-kit';
import { gokaCluster } from '../cluster.ts';
import { epochMs, Samples } from '../stats.ts';
import { type HttpRequestSpec, ROUTES, type RouteName, type RouteSpec, userId } from './routes.ts';

/** Closed loop: how long a request may take before autocannon counts it as failed. */
const REQUEST_TIMEOUT_S = 120;

/** Emits outstanding at once in the direct form (scenario 1's window). */
const EMIT_WINDOW = 5_000;

export interface LoadBase {
  readonly route: RouteName;
  readonly users: number;
  readonly seed: number;
}
export interface ClosedTask extends LoadBase {
  readonly kind: 'closed';
  readonly url: string;
  readonly secret: string;
  readonly connections: number;
  readonly durationMs: number;
}
export interface OpenTask extends LoadBase {
  readonly kind: 'open';
  readonly url: string;
  readonly secret: string;
  readonly connections: number;
  readonly durationMs: number;
  readonly rate: number;
}
export interface DirectTask extends LoadBase {
  readonly kind: 'direct';
  readonly brokers: string[];
  readonly records: number;
}
export type LoadTask = ClosedTask | OpenTask | DirectTask;

export interface LoadReply {
  /** Requests answered 2xx, or records acknowledged. */
  readonly accepted: number;
  /** accepted per second of the phase. */
  readonly rate: number;
  readonly firstAt: number;
  readonly lastAt: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  /** Open loop: requests not sent because too many were unanswered (the offer stopped early). */
  readonly unsent: number;
  /** Closed loop: requests that failed (connection error or no answer within the timeout). */
  readonly failed: number;
}

export type LoadRequest = { readonly seq: number; readonly task: LoadTask };
export type LoadResponse =
  | { readonly seq: number; readonly ok: true; readonly value: LoadReply | null }
  | { readonly seq: number; readonly ok: false; readonly error: string };

/** mulberry32: the same sequence for the same seed. */
function picker(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const tokens = new Map<string, string>();
function bearer(secret: string, user: string): string {
  let t = tokens.get(user);
  if (!t) {
    t = `Bearer ${mintToken({ secret, user, ttlSeconds: 6 * 3600 })}`;
    tokens.set(user, t);
  }
  return t;
}

interface AutocannonResult {
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latency: { p50: number; p99: number; p99_9?: number };
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

async function closed(task: ClosedTask): Promise<LoadReply> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const route = ROUTES[task.route];
  const pick = picker(task.seed);
  let i = 0;
  const firstAt = epochMs();
  const r = await autocannon({
    url: task.url,
    connections: task.connections,
    duration: task.durationMs / 1000,
    // autocannon's default (10 s) fails requests that a saturated machine answers late; they
    // are latency, not errors.
    timeout: REQUEST_TIMEOUT_S,
    requests: [
      {
        setupRequest(req: Record<string, unknown>) {
          const spec = route.request(i++, pick, task.users);
          return {
            ...req,
            method: spec.method,
            path: spec.path,
            body: spec.body,
            headers: { authorization: bearer(task.secret, spec.user), 'content-type': 'application/json' },
          };
        },
      },
    ],
  });
  const lastAt = epochMs();
  // A refusal (4xx/5xx) is a bug of the load or the service; connection errors and timeouts at
  // full concurrency are what the machine did, counted, and fatal only when nothing got through.
  if (r.non2xx > 0 || r['2xx'] === 0) {
    throw new Error(`${route.label}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
  }
  return {
    accepted: r['2xx'],
    rate: (r['2xx'] * 1000) / (lastAt - firstAt),
    firstAt,
    lastAt,
    p50: r.latency.p50,
    p99: r.latency.p99,
    p999: r.latency.p99_9 ?? Number.NaN,
    unsent: 0,
    failed: r.errors,
  };
}

function send(agent: Agent, url: URL, spec: HttpRequestSpec, auth: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: spec.method,
        path: spec.path,
        headers: {
          authorization: auth,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(spec.body),
        },
      },
      (res) => {
        res.resume();
        res.once('end', () => done(res.statusCode ?? 0));
        res.once('error', fail);
      },
    );
    req.once('error', fail);
    req.end(spec.body);
  });
}

async function open(task: OpenTask): Promise<LoadReply> {
  const route = ROUTES[task.route];
  const pick = picker(task.seed);
  const url = new URL(task.url);
  const agent = new Agent({ keepAlive: true, maxSockets: task.connections });
  const total = Math.max(1, Math.round((task.rate * task.durationMs) / 1000));
  const interval = 1000 / task.rate;
  // Bounded: offering stops when more than 5 s worth of requests are unanswered.
  const maxOutstanding = Math.max(100, task.rate * 5);
  const samples = new Samples(total);
  let outstanding = 0;
  let accepted = 0;
  let failed = 0;
  let refused = 0;
  let lastAt = 0;
  let sent = 0;
  const answered: Promise<void>[] = [];
  const start = epochMs() + 5;
  try {
    while (sent < total && outstanding <= maxOutstanding) {
      const now = epochMs();
      // Every request whose scheduled time has come, stamped with that time, not with now.
      while (sent < total && start + sent * interval <= now && outstanding <= maxOutstanding) {
        const scheduled = start + sent * interval;
        const spec = route.request(sent, pick, task.users);
        sent++;
        outstanding++;
        answered.push(
          send(agent, url, spec, bearer(task.secret, spec.user)).then(
            (status) => {
              outstanding--;
              const at = epochMs();
              if (status >= 200 && status < 300) {
                accepted++;
                lastAt = Math.max(lastAt, at);
                samples.add(at - scheduled);
              } else refused++;
            },
            () => {
              outstanding--;
              failed++;
            },
          ),
        );
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(answered);
  } finally {
    agent.destroy();
  }
  if (refused > 0 || accepted === 0) {
    throw new Error(`${route.label}: ${refused} of ${sent} requests refused, ${failed} failed`);
  }
  const [p50, p99, p999] = samples.percentiles(50, 99, 99.9);
  return {
    accepted,
    rate: (accepted * 1000) / (lastAt - start),
    firstAt: start,
    lastAt,
    p50: p50!,
    p99: p99!,
    p999: p999!,
    unsent: total - sent,
    failed,
  };
}

/** The Emitter with a window of emits outstanding, as scenario 1 writes (each ack starts the next). */
async function direct(task: DirectTask): Promise<LoadReply> {
  // One route's record type at a time; the union of the three is not one Emitter's type.
  const route = ROUTES[task.route] as unknown as RouteSpec<unknown>;
  const pick = picker(task.seed);
  const cluster = gokaCluster(task.brokers, `bench-platform-direct-${task.route}`);
  const emitter = new Emitter({ cluster, topic: route.topic.name, codec: route.topic.codec });
  const firstAt = epochMs();
  let next = 0;
  let lastAt = firstAt;
  try {
    const worker = async () => {
      while (next < task.records) {
        const { key, value } = route.record(next++, pick, task.users);
        await emitter.emit(key, value);
        lastAt = epochMs();
      }
    };
    await Promise.all(Array.from({ length: Math.min(EMIT_WINDOW, task.records) }, worker));
  } finally {
    await emitter.close();
    await cluster.close();
  }
  return {
    accepted: task.records,
    rate: (task.records * 1000) / (lastAt - firstAt),
    firstAt,
    lastAt,
    p50: Number.NaN,
    p99: Number.NaN,
    p999: Number.NaN,
    unsent: 0,
    failed: 0,
  };
}

/** Answers tokens ahead of a phase, so that minting them is not measured. */
function warm(task: LoadTask): null {
  if (task.kind === 'direct') return null;
  for (let u = 0; u < task.users; u++) bearer(task.secret, userId(u));
  return null;
}

process.on('disconnect', () => process.exit(0));
process.on('message', (message: LoadRequest & { warm?: boolean }) => {
  const { seq, task } = message;
  const work: Promise<LoadReply | null> = message.warm
    ? Promise.resolve(warm(task))
    : task.kind === 'closed'
      ? closed(task)
      : task.kind === 'open'
        ? open(task)
        : direct(task);
  work.then(
    (value) => process.send?.({ seq, ok: true, value } satisfies LoadResponse),
    (error: unknown) =>
      process.send?.({
        seq,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      } satisfies LoadResponse),
  );
});
process.send?.({ seq: 0, ok: true, value: null } satisfies LoadResponse);
