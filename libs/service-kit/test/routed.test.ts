import { createServer, type Server, type Socket } from 'node:net';
import { defineGroup, input, json, memoryCluster, partitionFor, persist, string } from '@showcase/goka';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildService,
  defineService,
  FORWARDED_HEADER,
  mintToken,
  processed,
  type RoutePlugin,
  routedTable,
  SERVED_BY_HEADER,
  type Service,
  type ServiceDeps,
  streamEnvSpec,
  Type,
} from '../src/index.ts';

const SECRET = 'routed-test-secret-0123456789-abcdef';
const PARTITIONS = 4;
const KEYS = Array.from({ length: 16 }, (_, i) => `u${i}`);

const counter = defineGroup<number>(
  'rt-counter',
  persist(json<number>()),
  input('rt-clicks', string(), (ctx) => ctx.setValue((ctx.value() ?? 0) + 1)),
);

const rtEnv = streamEnvSpec('rt');
type Deps = ServiceDeps<typeof rtEnv, Record<never, never>, { clicks: string }, unknown, { counts: number }>;

/** The count of a user: read where the key lives; the owner's route checks the token too. */
const countRoutes: RoutePlugin<Deps> = async (app, { auth, routed }) => {
  app.get(
    '/counts/:id',
    { onRequest: auth.user, schema: { params: Type.Object({ id: Type.String() }) } },
    async (request, reply) => {
      const read = await routed.counts.get(request.params.id, request, reply);
      if (read.forwarded) return reply;
      return { count: read.value ?? 0, reader: request.user.id };
    },
  );
};

const definition = defineService({
  name: 'rt',
  port: 0,
  description: 'routed reads',
  env: rtEnv,
  groups: () => ({ counter: processed(counter) }),
  emitters: () => ({ clicks: { name: 'rt-clicks', codec: string() } }),
  routed: () => ({ counts: routedTable<number>('counter') }),
  routes: [countRoutes],
});

const running: Service[] = [];
const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

async function start(cluster: ReturnType<typeof memoryCluster>, env: Record<string, string> = {}) {
  const built = await buildService(definition, {
    cluster,
    env: { AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', PORT: '0', PARTITIONS: String(PARTITIONS), ...env },
  });
  running.push(built.service as unknown as Service);
  await built.service.start();
  return built;
}

const token = mintToken({ secret: SECRET, user: 'reader' });
const get = (base: string, key: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/counts/${key}`, { headers: { authorization: `Bearer ${token}`, ...headers } });

/** A TCP server that accepts connections and never answers: an owner that hangs. */
async function silentServer(): Promise<number> {
  const server = createServer((socket) => sockets.push(socket));
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

describe('routed tables', () => {
  it('answers every key on every instance: locally or forwarded to the owner with the token', async () => {
    const cluster = memoryCluster({ partitions: PARTITIONS });
    const a = await start(cluster);
    const b = await start(cluster);
    await Promise.all([a.service.whenReady(10_000), b.service.whenReady(10_000)]);
    const endpointA = a.processors.counter.endpoint!;
    const endpointB = b.processors.counter.endpoint!;
    expect(endpointA).toBe(a.service.address.replace('localhost', '127.0.0.1'));
    expect(endpointB).not.toBe(endpointA);
    for (const key of KEYS) await a.emitters.clicks.emit(key, 'click');

    for (const key of KEYS) {
      const partition = partitionFor(key, PARTITIONS);
      const owner = a.processors.counter.partitions.includes(partition) ? endpointA : endpointB;
      for (const base of [endpointA, endpointB]) {
        await expect
          .poll(async () => ((await (await get(base, key)).json()) as { count: number }).count)
          .toBe(1);
        const res = await get(base, key);
        expect(res.status).toBe(200);
        // The owner checked the token it was forwarded: the reader is the caller.
        expect(await res.json()).toEqual({ count: 1, reader: 'reader' });
        expect(res.headers.get(SERVED_BY_HEADER)).toBe(base === owner ? null : owner);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      }
      // A second hop is refused: the receiver does not own the key, it does not forward again.
      const other = owner === endpointA ? endpointB : endpointA;
      const hop = await get(other, key, { [FORWARDED_HEADER]: owner });
      expect(hop.status).toBe(503);
      expect(hop.headers.get('retry-after')).toBe('1');
      expect(await hop.json()).toMatchObject({ error: 'unavailable' });
    }
    // Without a token the origin refuses before anything is forwarded.
    expect((await fetch(`${endpointA}/counts/u0`)).status).toBe(401);

    // The owner map for the console.
    const admin = mintToken({ secret: SECRET, user: 'ops', admin: true });
    const groups = (await (
      await fetch(`${endpointA}/admin/groups`, { headers: { authorization: `Bearer ${admin}` } })
    ).json()) as { groups: { group: string; endpoint: string; owners: { active: string }[] }[] };
    const status = groups.groups.find((g) => g.group === 'rt-counter');
    expect(status?.endpoint).toBe(endpointA);
    expect(new Set(status?.owners.map((o) => o.active))).toEqual(new Set([endpointA, endpointB]));
  });

  it('503 with Retry-After when the owner does not answer in time', async () => {
    const cluster = memoryCluster({ partitions: PARTITIONS });
    const a = await start(cluster, { ROUTED_READ_TIMEOUT_MS: '200' });
    // The other member advertises an address where nothing answers.
    const silent = await silentServer();
    const b = await start(cluster, { ADVERTISED_URL: `http://127.0.0.1:${silent}/` });
    await Promise.all([a.service.whenReady(10_000), b.service.whenReady(10_000)]);
    expect(b.processors.counter.endpoint).toBe(`http://127.0.0.1:${silent}`);
    const remote = KEYS.find((k) => !a.processors.counter.partitions.includes(partitionFor(k, PARTITIONS)))!;
    const res = await get(a.processors.counter.endpoint!, remote);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({ error: 'unavailable' });
  });
});
