import {
  deadLetterTopic,
  defineGroup,
  input,
  json,
  loopback,
  loopTopic,
  memoryCluster,
  output,
  persist,
  tableTopic,
} from '@showcase/goka';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildService,
  defineService,
  definitionTopics,
  env,
  mintToken,
  processed,
  type RoutePlugin,
  type Service,
  type ServiceDeps,
  streamEnvSpec,
  Type,
} from '../src/index.ts';

const SECRET = 'define-test-secret-0123456789-abcdef';
const envVars = { AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', PORT: '0', PARTITIONS: '3' };

// A group of 'def' reading another service's stream (so dead-letter by default), with a table,
// a loop and an output; a second group reading only def's own output (so fail by default).
const counter = defineGroup<number, number>(
  'def-counter',
  persist(json<number>()),
  loopback(json<number>(), (ctx, n) => {
    ctx.setValue((ctx.value() ?? 0) + n);
    ctx.emit('def-totals', ctx.key, ctx.value() ?? 0);
  }),
  input('other-clicks', json<number>(), (ctx, n) => ctx.loopback(ctx.key, n)),
  output('def-totals', json<number>()),
);
const last = defineGroup<number>(
  'def-last',
  persist(json<number>()),
  input('def-totals', json<number>(), (ctx, n) => ctx.setValue(n)),
);

const defEnv = { ...streamEnvSpec('def'), GREETING: env.string({ default: 'hello', doc: 'test' }) };
type Deps = ServiceDeps<typeof defEnv, { totals: number }, { clicks: number }>;

const totalsRoutes: RoutePlugin<Deps> = async (app, { auth, views, emitters, config }) => {
  // Encapsulated: this hook must not reach the other plugin's routes.
  app.addHook('onSend', async (_request, reply) => {
    void reply.header('x-totals', 'yes');
  });
  app.get(
    '/totals/:id',
    { onRequest: auth.user, schema: { params: Type.Object({ id: Type.String() }) } },
    async (request) => ({
      total: (await views.totals.get(request.params.id)) ?? 0,
      greeting: config.GREETING,
    }),
  );
  app.post('/clicks', { onRequest: auth.user }, async (request, reply) => {
    await emitters.clicks.emit(request.user.id, 1);
    return reply.status(202).send({});
  });
};
const pingRoutes: RoutePlugin<Deps> = async (app) => {
  app.get('/ping', async () => ({ pong: true }));
};

const definition = defineService({
  name: 'def',
  port: 0,
  description: 'a defined service',
  env: defEnv,
  groups: () => ({ counter: processed(counter), last: processed(last) }),
  views: () => ({ totals: { name: tableTopic('def-counter'), codec: json<number>() } }),
  emitters: () => ({ clicks: { name: 'other-clicks', codec: json<number>() } }),
  routes: [totalsRoutes, pingRoutes],
});

const running: Service[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

describe('defineService', () => {
  it("derives every topic from the groups, views and emitters, with goka's names", () => {
    const specs = definitionTopics(definition, 5);
    const byName = Object.fromEntries(specs.map((s) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual(
      [
        'other-clicks',
        'def-totals',
        tableTopic('def-counter'),
        loopTopic('def-counter'),
        deadLetterTopic('def-counter'), // reads another service's topic: dead-letter by default
        tableTopic('def-last'), // reads only def's own: fail, no dead-letter topic
      ].sort(),
    );
    expect(specs.every((s) => s.partitions === 5)).toBe(true);
    expect(byName[tableTopic('def-counter')]?.compacted).toBe(true);
    expect(byName['def-totals']?.compacted).toBeUndefined();
  });

  it('builds and runs it: topics created before start, typed deps in encapsulated route plugins', async () => {
    const cluster = memoryCluster({ partitions: 2, autoCreateTopics: false });
    const built = await buildService(definition, { cluster, env: envVars });
    running.push(built.service as unknown as Service);
    await built.service.start({ listen: false });
    await built.service.whenReady(10_000);
    expect(await cluster.partitionCount(loopTopic('def-counter'))).toBe(3);
    expect(await cluster.partitionCount(deadLetterTopic('def-counter'))).toBe(3);
    expect(Object.keys(built.processors).sort()).toEqual(['counter', 'last']);

    const headers = { authorization: `Bearer ${mintToken({ secret: SECRET, user: 'ann' })}` };
    const app = built.service.app;
    expect((await app.inject({ method: 'POST', url: '/clicks', headers })).statusCode).toBe(202);
    await expect
      .poll(async () => (await app.inject({ method: 'GET', url: '/totals/ann', headers })).json())
      .toEqual({ total: 1, greeting: 'hello' });
    const totals = await app.inject({ method: 'GET', url: '/totals/ann', headers });
    expect(totals.headers['x-totals']).toBe('yes');
    const ping = await app.inject({ method: 'GET', url: '/ping' });
    expect(ping.json()).toEqual({ pong: true });
    expect(ping.headers['x-totals']).toBeUndefined();
    // The kit's plugins reach every route plugin: uniform errors, request ids.
    const unauthorized = await app.inject({ method: 'GET', url: '/totals/ann' });
    expect(unauthorized.statusCode).toBe(401);
    expect(unauthorized.json()).toMatchObject({ error: 'unauthorized' });
    expect(ping.headers['x-request-id']).toEqual(expect.any(String));
  });
});
