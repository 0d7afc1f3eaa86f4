/**
 * 7 http: GET /users/:id/inbox of the anti-spam service (Fastify, JWT auth, TypeBox schema,
 * a LevelDB view `get`) vs a bare Fastify route returning a constant, both in a process of their
 * own, loaded by autocannon (its CLI, a third process) on 127.0.0.1 for a fixed time.
 * The anti-spam service is the real one (services/anti-spam/src/main.ts) on this broker; a fixture
 * starts it once, sends messages through POST /messages until the reader's inbox is full, and
 * stops it; each repetition starts it again on that data dir (recovering from its checkpoint).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { mintToken } from '@showcase/service-kit';
import { gokaCluster } from '../cluster.ts';
import { exited, spawnNode, stopChild, track } from '../processes.ts';
import type { Measurements, Scenario, TaskContext } from '../scenario.ts';
import { servicePartitions } from '../service-partitions.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const SERVICE_MAIN = join(ROOT, 'services', 'anti-spam', 'src', 'main.ts');
const SERVICE_API = join(ROOT, 'services', 'anti-spam', 'src', 'routes', 'inbox.ts');
const BARE_SERVER = resolve(import.meta.dirname, '..', 'bare-server.ts');
const SECRET = 'bench-only-auth-secret-0123456789';
const INBOX_MESSAGES = 60;

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function token(user: string): string {
  return mintToken({ secret: SECRET, user, ttlSeconds: 3600 });
}

interface Running {
  readonly base: string;
  stop(): Promise<void>;
}

async function waitUntil(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  child: ChildProcess,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what}: the process exited`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function startAntiSpam(ctx: TaskContext): Promise<Running> {
  const port = await freePort();
  // The count anti-spam's (and the other services') contract topics already have, if any.
  const cluster = gokaCluster(ctx.brokers, 'bench-http-partitions');
  const partitions = await servicePartitions(cluster).finally(() => cluster.close());
  const child = spawnNode(SERVICE_MAIN, [], {
    env: {
      ...process.env,
      KAFKA_BROKERS: ctx.brokers.join(','),
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: join(ctx.workDir, 'anti-spam'),
      PARTITIONS: String(partitions),
      AUTH_SECRET: SECRET,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
    },
  });
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    const timer = setTimeout(() => void stopChild(child), 30_000);
    child.kill('SIGTERM');
    await exited(child);
    clearTimeout(timer);
  };
  try {
    await waitUntil('anti-spam ready', 120_000, async () => (await fetch(`${base}/readyz`)).ok, child);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return { base, stop };
}

async function startBare(): Promise<Running> {
  const child = spawnNode(BARE_SERVER, []);
  const port = await new Promise<number>((done, fail) => {
    child.once('message', (m) => done((m as { port: number }).port));
    void exited(child).then(() => fail(new Error('bare server exited before listening')));
  });
  return { base: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

/** autocannon's CLI in its own process; its --json report on stdout. */
async function autocannon(
  ctx: TaskContext,
  url: string,
  headers: Record<string, string>,
): Promise<Measurements> {
  const cli = createRequire(import.meta.url).resolve('autocannon');
  const args = [
    cli,
    '--json',
    '-c',
    String(ctx.sizes.httpConnections),
    '-d',
    String(ctx.sizes.httpMs / 1000),
    ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]),
    url,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  track(child);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const timer = setTimeout(() => void stopChild(child), ctx.sizes.httpMs + 30_000);
  const { code } = await exited(child);
  clearTimeout(timer);
  if (code !== 0) throw new Error(`autocannon exited with ${code}`);
  const r = JSON.parse(out) as {
    requests: { average: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  };
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) {
    throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
  }
  return { rate: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

export const http: Scenario = {
  name: 'http',
  number: 7,
  title: 'http: GET /users/:id/inbox through anti-spam (Fastify + view) vs a bare Fastify route',
  async unavailable() {
    if (!existsSync(SERVICE_MAIN)) return 'services/anti-spam/src/main.ts does not exist';
    if (!existsSync(SERVICE_API) || !readFileSync(SERVICE_API, 'utf8').includes("'/users/:id/inbox'")) {
      return 'services/anti-spam has no GET /users/:id/inbox route';
    }
    return undefined;
  },
  fixtures: [
    {
      name: 'anti-spam-inbox',
      async create(ctx, log) {
        // A reader of this run only: a reused broker may hold earlier runs' inboxes.
        const reader = `bench-reader-${ctx.runId}`;
        const service = await startAntiSpam(ctx);
        try {
          log(`anti-spam ready at ${service.base}; sending ${INBOX_MESSAGES} messages to ${reader}`);
          for (let i = 0; i < INBOX_MESSAGES; i++) {
            const sender = `bench-sender-${i}`;
            const response = await fetch(`${service.base}/messages`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token(sender)}`, 'content-type': 'application/json' },
              body: JSON.stringify({
                to: reader,
                text: `hello ${reader}, this is message ${i} from ${sender}`,
              }),
            });
            if (response.status !== 202)
              throw new Error(`POST /messages: ${response.status} ${await response.text()}`);
          }
          const auth = { authorization: `Bearer ${token(reader)}` };
          let total = 0;
          const deadline = Date.now() + 60_000;
          while (total < INBOX_MESSAGES) {
            if (Date.now() > deadline)
              throw new Error(`inbox of ${reader} has ${total} of ${INBOX_MESSAGES} messages`);
            const response = await fetch(`${service.base}/users/${reader}/inbox`, { headers: auth });
            if (response.ok) total = ((await response.json()) as { total: number }).total;
            await new Promise((r) => setTimeout(r, 250));
          }
          log(`inbox of ${reader} holds ${total} messages`);
        } finally {
          await service.stop();
        }
        return { user: reader };
      },
    },
  ],
  variants: [
    {
      name: 'bare',
      async run(ctx, fixtures) {
        const { user: reader } = fixtures['anti-spam-inbox'] as { user: string };
        const server = await startBare();
        try {
          return await autocannon(ctx, `${server.base}/users/${reader}/inbox`, {});
        } finally {
          await server.stop();
        }
      },
    },
    {
      name: 'anti-spam',
      async run(ctx, fixtures, _rep, log) {
        const { user: reader } = fixtures['anti-spam-inbox'] as { user: string };
        const service = await startAntiSpam(ctx);
        try {
          log('anti-spam ready; loading GET /users/:id/inbox');
          return await autocannon(ctx, `${service.base}/users/${reader}/inbox`, {
            authorization: `Bearer ${token(reader)}`,
          });
        } finally {
          await service.stop();
        }
      },
    },
  ],
  figures: [
    { figure: 'bare Fastify constant route', unit: 'req/s', variant: 'bare', measure: 'rate' },
    {
      figure: 'anti-spam GET /users/:id/inbox',
      unit: 'req/s',
      variant: 'anti-spam',
      measure: 'rate',
      baseline: { variant: 'bare', measure: 'rate' },
    },
    { figure: 'bare Fastify constant route p99', unit: 'ms', variant: 'bare', measure: 'p99' },
    {
      figure: 'anti-spam GET /users/:id/inbox p99',
      unit: 'ms',
      variant: 'anti-spam',
      measure: 'p99',
      baseline: { variant: 'bare', measure: 'p99' },
    },
  ],
  parameters: (s) => ({
    durationMs: s.httpMs,
    connections: s.httpConnections,
    loadGenerator: 'autocannon CLI, own process, 127.0.0.1',
    inboxMessages: 50,
    auth: 'HS256 bearer token (anti-spam); none (bare)',
  }),
  timeoutMs: (s) => 180_000 + s.httpMs * 2,
};
