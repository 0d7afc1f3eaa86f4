/**
 * The load side of scenario 8 (match-search), in a process of its own so that the measured
 * instance's process does only the service's work (processor, views, index, HTTP server):
 * - `emit`: writes users' updates straight to `match-search-user-updates` with a raw kafkajs
 *   producer (batches of 2,000, 4 requests in flight, the partition goka's Emitter would choose).
 *   The users still go through the service's processors: the users group folds them into its
 *   table, and the instance's view taps that table into the index.
 * - `http`: autocannon (programmatic, this process) on GET /users/:id/nearby with one token per
 *   caller, cycling through the callers.
 * One driver process per fixture or repetition, started while the instance recovers (so its
 * start-up is not measured); it answers each task sent on the IPC channel, and exits with its
 * parent. See `startDriver` in match-search.ts.
 */
import { createRequire } from 'node:module';
import { type UserUpdate, userUpdates } from '@showcase/contracts';
import { partitionFor } from '@showcase/goka';
import { CityPopulation } from '@showcase/match-search/sim';
import { mintToken } from '@showcase/service-kit';
import type { Message } from 'kafkajs';
import { rawKafka, rawProducer } from '../kafka.ts';

export interface EmitTask {
  readonly kind: 'emit';
  readonly brokers: string[];
  readonly clientId: string;
  /** User ids are `${prefix}${i}` for i in [0, count). */
  readonly prefix: string;
  readonly count: number;
  readonly seed: number;
  readonly partitions: number;
}

export interface EmitReply {
  /** Updates written (profile + location for everyone, presence for the online half). */
  readonly updates: number;
  readonly ms: number;
}

export interface HttpTask {
  readonly kind: 'http';
  readonly url: string;
  readonly secret: string;
  readonly callers: string[];
  readonly query: string;
  readonly durationMs: number;
  readonly connections: number;
}

export interface HttpReply {
  readonly qps: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
}

export type DriverTask = EmitTask | HttpTask;

const BATCH = 2_000;
const IN_FLIGHT = 4;

/** A user's join as the API would accept it; a presence update only for online users (offline is the default). */
function joinUpdates(pop: CityPopulation, user: string, at: number): UserUpdate[] {
  const online = pop.rnd.next() < 0.5;
  const { updates } = pop.join(user, at, online);
  return online ? updates : updates.filter((u) => u.type !== 'presence');
}

async function emit(task: EmitTask): Promise<EmitReply> {
  const started = performance.now();
  const producer = rawProducer(rawKafka(task.brokers, task.clientId));
  await producer.connect();
  const pop = new CityPopulation(task.seed);
  let next = 0;
  let updates = 0;
  let reported = 0;
  try {
    const sendOne = async (): Promise<void> => {
      while (next < task.count) {
        const from = next;
        const to = Math.min(task.count, from + Math.ceil(BATCH / 2.5));
        next = to;
        const messages: Message[] = [];
        const at = Date.now();
        for (let i = from; i < to; i++) {
          const user = `${task.prefix}${i}`;
          const partition = partitionFor(user, task.partitions);
          for (const u of joinUpdates(pop, user, at)) {
            messages.push({ key: user, value: userUpdates.codec.encode(u), partition });
          }
        }
        updates += messages.length;
        await producer.send({ topic: userUpdates.name, messages, acks: -1 });
        if (to - reported >= 100_000) {
          reported = to;
          process.stderr.write(`[match-search driver] emitted ${to} users\n`);
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, sendOne));
  } finally {
    await producer.disconnect();
  }
  return { updates, ms: performance.now() - started };
}

interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p99: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

async function http(task: HttpTask): Promise<HttpReply> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const requests = task.callers.map((caller) => ({
    method: 'GET',
    path: `/users/${caller}/nearby?${task.query}`,
    headers: {
      authorization: `Bearer ${mintToken({ secret: task.secret, user: caller, ttlSeconds: 3600 })}`,
    },
  }));
  const r = await autocannon({
    url: task.url,
    connections: task.connections,
    duration: task.durationMs / 1000,
    requests,
  });
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) {
    throw new Error(`GET nearby: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
  }
  return {
    qps: r.requests.total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
  };
}

/** A task and its answer on the IPC channel. */
export interface DriverRequest {
  readonly seq: number;
  readonly task: DriverTask;
}
export type DriverResponse =
  | { readonly seq: number; readonly ok: true; readonly value: EmitReply | HttpReply }
  | { readonly seq: number; readonly ok: false; readonly error: string };

process.on('disconnect', () => process.exit(0));
process.on('message', (message: DriverRequest) => {
  const { seq, task } = message;
  const work = task.kind === 'emit' ? emit(task) : http(task);
  work.then(
    (value) => process.send?.({ seq, ok: true, value } satisfies DriverResponse),
    (error: unknown) =>
      process.send?.({
        seq,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      } satisfies DriverResponse),
  );
});
process.send?.({ seq: 0, ok: true, value: { updates: 0, ms: 0 } } satisfies DriverResponse);
