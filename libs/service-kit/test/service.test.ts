import { type Cluster, defineGroup, input, json, memoryCluster, persist, tableTopic } from '@showcase/goka';
import { Type } from 'typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, createService, mintToken, type Service } from '../src/index.ts';

const SECRET = 'test-secret-0123456789-abcdefghijk';
const env = { AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', PORT: '0', BODY_LIMIT: '2048' };
const bearer = (user: string, admin = false) => ({
  authorization: `Bearer ${mintToken({ secret: SECRET, user, admin })}`,
});

const counter = defineGroup(
  'kit-counter',
  persist(json<number>()),
  input('kit-clicks', json<{ n: number }>(), (ctx, m) => {
    ctx.setValue((ctx.value() ?? 0) + m.n);
  }),
);

const services: Service[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
});

async function build(
  extraEnv: Record<string, string> = {},
  cluster: Cluster = memoryCluster({ partitions: 2 }),
) {
  const service = await createService({ name: 'kit-test', port: 0, cluster, env: { ...env, ...extraEnv } });
  services.push(service as Service);
  const processor = service.processor(counter);
  const view = service.view({ name: tableTopic(counter.name), codec: json<number>() });
  const clicks = service.emitter({ name: 'kit-clicks', codec: json<{ n: number }>() });
  const { app, auth } = service;
  app.post(
    '/clicks/:id',
    {
      onRequest: auth.selfOrAdmin('id'),
      schema: {
        params: Type.Object({ id: Type.String() }),
        body: Type.Object({
          n: Type.Integer({ minimum: 1 }),
          note: Type.Optional(Type.String({ maxLength: 10 })),
        }),
      },
    },
    async (request, reply) => {
      const n: number = request.body.n;
      await clicks.emit(request.params.id, { n });
      return reply.status(202).send({ ok: true });
    },
  );
  const raw = service.emitter({ name: 'kit-raw', codec: json<unknown>() });
  app.post('/raw/:id', async (request, reply) => {
    // A value the codec refuses: the route's own bug.
    await raw.emit((request.params as { id: string }).id, { n: 1n });
    return reply.status(202).send({ ok: true });
  });
  app.get('/admin-only', { onRequest: auth.admin }, async (request) => ({ by: request.user.id }));
  app.get('/boom', async () => {
    throw new Error('kaboom');
  });
  return { service, processor, view, cluster };
}

describe('config', () => {
  it('names the variable, the expectation and the value', async () => {
    await expect(createService({ name: 'x', port: 1, env: { ...env, PORT: 'abc' } })).rejects.toThrow(
      /PORT must be an integer \(got "abc"\)/,
    );
    await expect(createService({ name: 'x', port: 1, env: { ...env, PORT: '70000' } })).rejects.toThrow(
      /PORT must be an integer between 0 and 65535/,
    );
    await expect(createService({ name: 'x', port: 1, env: { ...env, LOG_LEVEL: 'loud' } })).rejects.toThrow(
      /LOG_LEVEL must be one of/,
    );
  });

  it('refuses to start without AUTH_SECRET unless NODE_ENV=development', async () => {
    const noSecret = { LOG_LEVEL: 'silent' };
    const error = await createService({ name: 'x', port: 1, env: noSecret }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/AUTH_SECRET is required/);
    const dev = await createService({ name: 'x', port: 1, env: { ...noSecret, NODE_ENV: 'development' } });
    expect(dev.config.AUTH_SECRET.length).toBeGreaterThan(10);
    await expect(
      createService({ name: 'x', port: 1, env: { ...noSecret, AUTH_SECRET: 'short' } }),
    ).rejects.toThrow(/AUTH_SECRET must be at least 32 bytes/);
  });

  it('adds service variables with defaults', async () => {
    const { env: e } = await import('../src/index.ts');
    const s = await createService({
      name: 'x',
      port: 1,
      env: { ...env, THRESHOLD: '0.7' },
      config: { THRESHOLD: e.number({ default: 0.5, min: 0, max: 1 }), WINDOW: e.int({ default: 10 }) },
    });
    expect(s.config.THRESHOLD).toBe(0.7);
    expect(s.config.WINDOW).toBe(10);
    expect(s.config.PORT).toBe(0);
  });
});

describe('health, readiness, metrics, docs', () => {
  it('/readyz is 503 until every processor and view runs, then 200 with their states', async () => {
    const { service } = await build();
    const before = await service.app.inject({ method: 'GET', url: '/readyz' });
    expect(before.statusCode).toBe(503);
    expect(before.json()).toMatchObject({ error: 'not_ready' });
    await service.start({ listen: false });
    await service.whenReady(5000);
    const after = await service.app.inject({ method: 'GET', url: '/readyz' });
    expect(after.statusCode).toBe(200);
    expect(after.json().components).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'processor', name: 'kit-counter', state: 'running' }),
        expect.objectContaining({ kind: 'view', name: 'kit-counter-table', state: 'running' }),
      ]),
    );
    expect((await service.app.inject({ method: 'GET', url: '/healthz' })).json()).toMatchObject({
      status: 'ok',
    });
  });

  it('/metrics exposes HTTP histograms and goka processor/view state', async () => {
    const { service } = await build();
    await service.start({ listen: false });
    await service.whenReady(5000);
    await service.app.inject({ method: 'POST', url: '/clicks/u1', headers: bearer('u1'), payload: { n: 2 } });
    const text = (await service.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/clicks\/:id"[^}]*\} 1/);
    expect(text).toMatch(/goka_processor_state\{[^}]*group="kit-counter",state="running"[^}]*\} 1/);
    expect(text).toMatch(/goka_view_state\{[^}]*table="kit-counter-table",state="running"[^}]*\} 1/);
    expect(text).toMatch(/goka_emit_duration_seconds_count\{[^}]*topic="kit-clicks"/);
    expect(text).toContain('goka_processor_processed_total');
    // What the soak watch reads to tell a heap leak from native memory (e2e resource-sampler).
    for (const name of [
      'nodejs_heap_size_used_bytes',
      'nodejs_external_memory_bytes',
      'nodejs_array_buffers_bytes',
    ])
      expect(text).toMatch(new RegExp(`^${name}\\{[^}]*\\} [1-9]\\d*$`, 'm'));
    // Lag per input partition: once the click is processed, every partition is at 0.
    let lag = '';
    for (let i = 0; i < 100 && !/goka_processor_lag\{[^}]*topic="kit-clicks"[^}]*\} 0/.test(lag); i++) {
      await new Promise((r) => setTimeout(r, 10));
      lag = (await service.app.inject({ method: 'GET', url: '/metrics' })).body;
    }
    const lines = lag
      .split('\n')
      .filter((l) => l.startsWith('goka_processor_lag{') && l.includes('kit-clicks'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/ 0$/);
  });

  it('serves the OpenAPI document and UI at /docs', async () => {
    const { service } = await build();
    const spec = (await service.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toContain('/clicks/{id}');
    expect((await service.app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });

  it('processes writes end to end: emit -> processor -> view', async () => {
    const { service, view } = await build();
    await service.start({ listen: false });
    await service.whenReady(5000);
    const res = await service.app.inject({
      method: 'POST',
      url: '/clicks/u1',
      headers: bearer('u1'),
      payload: { n: 3 },
    });
    expect(res.statusCode).toBe(202);
    await expect.poll(() => view.get('u1')).toBe(3);
  });
});

describe('errors and auth', () => {
  it('400 names the field: missing, wrong type, unknown, too long', async () => {
    const { service } = await build();
    const post = (payload: unknown) =>
      service.app.inject({
        method: 'POST',
        url: '/clicks/u1',
        headers: bearer('u1'),
        payload: payload as object,
      });
    let res = await post({});
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'bad_request', message: 'body.n is required', field: 'body.n' });
    res = await post({ n: 'many' });
    expect(res.json()).toMatchObject({ error: 'bad_request', field: 'body.n' });
    res = await post({ n: 1, extra: true });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'bad_request', field: 'body.extra' });
    res = await post({ n: 1, note: 'x'.repeat(11) });
    expect(res.json()).toMatchObject({ field: 'body.note' });
    res = await service.app.inject({
      method: 'POST',
      url: '/clicks/u1',
      headers: { ...bearer('u1'), 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('bad_request');
  });

  it('413 for an oversize body, 404 JSON for unknown routes, 500 hides internals', async () => {
    const { service } = await build();
    let res = await service.app.inject({
      method: 'POST',
      url: '/clicks/u1',
      headers: bearer('u1'),
      payload: { n: 1, note: 'x'.repeat(5000) },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'payload_too_large' });
    res = await service.app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'not_found' });
    res = await service.app.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: 'internal', message: 'internal server error' });
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('a write the broker does not acknowledge is a 503 to retry (cause logged, not sent); a TypeError stays a 500', async () => {
    const memory = memoryCluster({ partitions: 2 });
    // The broker refuses every write (as kafkajs does once its retries are exhausted).
    const away: Cluster = Object.assign(Object.create(memory) as Cluster, {
      producer: () => ({
        send: () =>
          Promise.reject(new Error('KafkaJSNumberOfRetriesExceeded: connect ECONNREFUSED 127.0.0.1:9092')),
        close: async () => {},
      }),
    });
    const { service } = await build({}, away);
    let res = await service.app.inject({
      method: 'POST',
      url: '/clicks/u1',
      headers: bearer('u1'),
      payload: { n: 1 },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      error: 'unavailable',
      message: 'the write to kit-clicks was not acknowledged by the broker; try again',
    });
    res = await service.app.inject({ method: 'POST', url: '/raw/u1' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: 'internal', message: 'internal server error' });
  });

  it('401 without or with a bad token, 403 for someone else, admin passes', async () => {
    const { service } = await build();
    const post = (headers: Record<string, string>) =>
      service.app.inject({ method: 'POST', url: '/clicks/u1', headers, payload: { n: 1 } });
    expect((await post({})).statusCode).toBe(401);
    expect((await post({})).json()).toMatchObject({ error: 'unauthorized' });
    expect((await post({ authorization: 'Bearer nonsense' })).statusCode).toBe(401);
    const forged = mintToken({ secret: 'another-secret-0123456789-abcdefghij', user: 'u1' });
    expect((await post({ authorization: `Bearer ${forged}` })).statusCode).toBe(401);
    const expired = mintToken({ secret: SECRET, user: 'u1', ttlSeconds: 1, now: 1000 });
    expect((await post({ authorization: `Bearer ${expired}` })).statusCode).toBe(401);
    const other = await post(bearer('u2'));
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ error: 'forbidden' });
    await service.start({ listen: false });
    await service.whenReady(5000);
    expect((await post(bearer('boss', true))).statusCode).toBe(202);
    expect(
      (await service.app.inject({ method: 'GET', url: '/admin-only', headers: bearer('u1') })).statusCode,
    ).toBe(403);
    expect(
      (await service.app.inject({ method: 'GET', url: '/admin-only', headers: bearer('boss', true) })).json(),
    ).toEqual({
      by: 'boss',
    });
  });
});

describe('lifecycle', () => {
  it('stop() stops processors and views and turns readiness off', async () => {
    const { service, processor, view } = await build();
    await service.start({ listen: false });
    await service.whenReady(5000);
    await service.stop();
    expect(processor.state).toBe('stopped');
    expect(view.state).toBe('stopped');
    expect(service.state).toBe('stopped');
    expect(service.ready).toBe(false);
  });
});

describe('ensureTopicsReady', () => {
  it('creates topics and retries offsets until the broker answers', async () => {
    const { ensureTopicsReady } = await import('../src/index.ts');
    const cluster = memoryCluster({ partitions: 2 });
    let failures = 2;
    const flaky = Object.create(cluster) as typeof cluster;
    flaky.offsets = async (topic: string) => {
      if (failures-- > 0) throw new Error('This server is not the leader for that topic-partition');
      return cluster.offsets(topic);
    };
    await ensureTopicsReady(flaky, [{ name: 'ready-a', partitions: 2 }]);
    expect(await cluster.partitionCount('ready-a')).toBe(2);
    expect(failures).toBe(-1);
    flaky.offsets = async () => {
      throw new Error('never');
    };
    await expect(
      ensureTopicsReady(flaky, [{ name: 'ready-b', partitions: 2 }], { timeoutMs: 200 }),
    ).rejects.toThrow(/ready-b is not ready: never/);
  });
});
