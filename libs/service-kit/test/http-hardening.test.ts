import { createHmac } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { Writable } from 'node:stream';
import { json, memoryCluster } from '@showcase/goka';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createService, mintToken, type Service, Type } from '../src/index.ts';

const SECRET = 'hardening-test-secret-0123456789-abc';
const bearer = (user: string) => ({ authorization: `Bearer ${mintToken({ secret: SECRET, user })}` });
const signed = (claims: object) => {
  const head = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${head}.${body}.${createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url')}`;
};

const services: Service[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await Promise.all(services.splice(0).map((s) => s.stop()));
});

async function build(env: Record<string, string> = {}, listen = false) {
  const service = await createService({
    name: 'hard',
    port: 0,
    cluster: memoryCluster({ partitions: 1 }),
    env: { AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', PORT: '0', ...env },
  });
  services.push(service as Service);
  const { app, auth } = service;
  app.post(
    '/things/:id',
    {
      onRequest: auth.user,
      schema: {
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1 })) }),
        body: Type.Object({
          to: Type.String(),
          n: Type.Optional(Type.Integer()),
          tags: Type.Optional(Type.Array(Type.String())),
        }),
        response: {
          200: Type.Object({ to: Type.String(), limit: Type.Union([Type.Integer(), Type.Null()]) }),
        },
      },
    },
    async (request) => ({ to: request.body.to, limit: request.query.limit ?? null }),
  );
  app.get(
    '/ws/things',
    { websocket: true, onRequest: auth.user, schema: { summary: 'things, pushed' } },
    (socket) => {
      socket.send(JSON.stringify({ type: 'subscribed' }));
    },
  );
  const address = await service.start({ listen });
  return { service, app, address };
}

/** Raw bytes to the server; the whole answer (status line, headers, body). */
function raw(address: string, request: string): Promise<string> {
  const { hostname, port } = new URL(address);
  return new Promise((done, fail) => {
    const socket = tcpConnect(Number(port), hostname, () => socket.write(request));
    let out = '';
    socket.on('data', (d) => {
      out += d.toString();
    });
    socket.on('end', () => done(out));
    socket.on('close', () => done(out));
    socket.on('error', fail);
    socket.setTimeout(5000, () => socket.destroy());
  });
}
const statusOf = (response: string) => Number(response.split(' ')[1]);
const bodyOf = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));

describe('uniform { error, message } also before a route runs', () => {
  it('malformed HTTP, oversize headers, bad percent-encoding, overlong path segment', async () => {
    const { address } = await build({}, true);
    let res = await raw(address, 'THIS IS NOT HTTP\r\n\r\n');
    expect(statusOf(res)).toBe(400);
    expect(bodyOf(res)).toEqual({ error: 'bad_request', message: 'malformed HTTP request' });

    res = await raw(address, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(statusOf(res)).toBe(431);
    expect(bodyOf(res)).toMatchObject({ error: 'headers_too_large' });

    res = await raw(address, 'GET /things/%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusOf(res)).toBe(400);
    expect(bodyOf(res)).toEqual({ error: 'bad_request', message: expect.stringContaining('not valid') });

    const long = 'x'.repeat(5000);
    const r = await fetch(`${address}/things/${long}`, { method: 'POST' });
    expect(r.status).toBe(414);
    const text = await r.text();
    expect(JSON.parse(text)).toMatchObject({ error: 'uri_too_long' });
    expect(text).not.toContain(long.slice(0, 300)); // no echo of the URL
  });

  it('a plain GET of a WebSocket route is 426 with a body, not an empty 404', async () => {
    const { app } = await build();
    const res = await app.inject({ method: 'GET', url: '/ws/things', headers: bearer('u1') });
    expect(res.statusCode).toBe(426);
    expect(res.json()).toEqual({ error: 'upgrade_required', message: expect.stringContaining('WebSocket') });
  });

  it('503 with the uniform body while shutting down', async () => {
    const { service, app } = await build();
    const stopping = service.stop();
    // The state turns `stopping` at once; HTTP closes a moment later.
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    await stopping;
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: 'unavailable', message: expect.stringContaining('shutting down') });
    expect(service.state).toBe('stopped');
  });

  it('a read from a view that is not running is 503 with the uniform body, not a 500', async () => {
    const cluster = memoryCluster({ partitions: 1 });
    const service = await createService({
      name: 'viewed',
      port: 0,
      cluster,
      env: { AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', PORT: '0' },
    });
    services.push(service as Service);
    await cluster.ensureTopics([{ name: 'viewed-table', partitions: 1, compacted: true }]);
    const view = service.view({ name: 'viewed-table', codec: json<number>() });
    service.app.get('/value', async () => ({ value: (await view.get('k')) ?? null }));
    await service.start();
    await service.whenReady();
    expect((await service.app.inject({ url: '/value' })).statusCode).toBe(200);
    await view.stop();
    const res = await service.app.inject({ url: '/value' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: 'unavailable', message: expect.stringContaining('viewed-table') });
  });

  it('the OpenAPI document lists WebSocket routes and error responses', async () => {
    const { app } = await build();
    const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(spec.paths)).toContain('/ws/things');
    expect(spec.paths['/ws/things'].get.description).toMatch(/WebSocket/);
    expect(Object.keys(spec.paths['/things/{id}'].post.responses)).toEqual(
      expect.arrayContaining(['200', '4XX', '5XX']),
    );
    expect(spec.info.description).toMatch(/npm run -s token/);
  });
});

describe('validation', () => {
  it('bodies are validated as sent, without coercion; query strings are coerced', async () => {
    const { app } = await build();
    const post = (payload: object, url = '/things/a') =>
      app.inject({ method: 'POST', url, headers: bearer('u1'), payload });
    expect((await post({ to: 'bob' })).json()).toEqual({ to: 'bob', limit: null });
    for (const bad of [
      { to: true },
      { to: ['bob'] },
      { to: 42 },
      { to: 'x', n: '3' },
      { to: 'x', tags: 'a' },
    ]) {
      const res = await post(bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json()).toMatchObject({ error: 'bad_request', field: expect.stringMatching(/^body\./) });
    }
    expect((await post({ to: 'bob' }, '/things/a?limit=5')).json()).toEqual({ to: 'bob', limit: 5 });
  });

  it('limit=Infinity, -Infinity and NaN are rejected', async () => {
    const { app } = await build();
    for (const v of ['Infinity', '-Infinity', 'NaN', '1e400']) {
      const res = await app.inject({
        method: 'POST',
        url: `/things/a?limit=${v}`,
        headers: bearer('u1'),
        payload: { to: 'b' },
      });
      expect(res.statusCode, v).toBe(400);
      expect(res.json()).toMatchObject({ error: 'bad_request', field: 'querystring.limit' });
    }
  });
});

describe('token rules at the door', () => {
  // Also when the rate limiter verified the token first (loopback limited too) and hands its claims
  // to the route's hook: the hook still applies the service's own rules (here a 1 h lifetime).
  it.each([
    ['verified by the route only', {}],
    ['verified by the rate limiter first', { RATE_LIMIT_LOOPBACK: 'true' }],
  ])(
    '401 for a look-alike subject, a token without exp, a too long lifetime, an iat from the future, a bad signature (%s)',
    async (_, env: Record<string, string>) => {
      const { app } = await build({ TOKEN_MAX_TTL_S: '3600', ...env });
      const now = Math.floor(Date.now() / 1000);
      const call = (token: string) =>
        app.inject({
          method: 'POST',
          url: '/things/a',
          headers: { authorization: `Bearer ${token}` },
          payload: { to: 'b' },
        });
      expect((await call(signed({ sub: 'u1', iat: now, exp: now + 60 }))).statusCode).toBe(200);
      for (const [claims, why] of [
        [{ sub: 'alice\u200b', iat: now, exp: now + 60 }, /user id/],
        [{ sub: 'u1', iat: now }, /no expiry/],
        [{ sub: 'u1', iat: now, exp: now + 30 * 86400 }, /lifetime/],
        [{ sub: 'u1', iat: now, exp: now + 7200 }, /lifetime/],
        [{ sub: 'u1', iat: now + 3600, exp: now + 7200 }, /future/],
      ] as const) {
        const res = await call(signed(claims));
        expect(res.statusCode, JSON.stringify(claims)).toBe(401);
        expect(res.json()).toMatchObject({ error: 'unauthorized', message: expect.stringMatching(why) });
      }
      const good = signed({ sub: 'u1', iat: now, exp: now + 60 });
      const forged = `${good.slice(0, good.lastIndexOf('.'))}.${Buffer.from('not the signature').toString('base64url')}`;
      expect((await call(forged)).statusCode).toBe(401);
    },
  );
});

describe('rate limiting and WebSocket caps', () => {
  it('429 with Retry-After per user beyond RATE_LIMIT_MAX; other users and probes unaffected', async () => {
    const { app } = await build({ RATE_LIMIT_MAX: '3', RATE_LIMIT_LOOPBACK: 'true' });
    const call = (user: string) =>
      app.inject({ method: 'POST', url: '/things/a', headers: bearer(user), payload: { to: 'b' } });
    for (let i = 0; i < 3; i++) expect((await call('u1')).statusCode).toBe(200);
    const limited = await call('u1');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({
      error: 'too_many_requests',
      message: expect.stringContaining('retry'),
    });
    expect((await call('u2')).statusCode).toBe(200);
    for (let i = 0; i < 5; i++)
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('loopback clients are exempt by default (simulators and benches run there)', async () => {
    const { app } = await build({ RATE_LIMIT_MAX: '2' });
    for (let i = 0; i < 10; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/things/a',
        headers: bearer('u1'),
        payload: { to: 'b' },
      });
      expect(res.statusCode).toBe(200);
    }
    const remote = async () =>
      app.inject({ method: 'POST', url: '/things/a', remoteAddress: '203.0.113.9', payload: { to: 'b' } });
    await remote();
    await remote();
    expect((await remote()).statusCode).toBe(429);
  });

  it('a bad client frame closes the socket and is logged at debug, without a stack', async () => {
    const lines: { level: number; msg: string; err?: unknown; stack?: unknown }[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    });
    const service = await createService({
      name: 'hard',
      port: 0,
      cluster: memoryCluster({ partitions: 1 }),
      logger: pino({ level: 'debug' }, sink),
      env: { AUTH_SECRET: SECRET, PORT: '0', WS_MAX_PAYLOAD: '1024' },
    });
    services.push(service as Service);
    service.app.get('/ws/echo', { websocket: true, onRequest: service.auth.user }, (socket) => {
      socket.on('message', () => undefined);
    });
    const address = await service.start();
    const ws = new WebSocket(`${address.replace(/^http/, 'ws')}/ws/echo`, { headers: bearer('u1') });
    sockets.push(ws);
    ws.on('error', () => undefined);
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('x'.repeat(10_000));
    expect(await closed).toBe(1009); // message too big
    await expect.poll(() => lines.some((l) => l.msg === 'websocket client error')).toBe(true);
    const line = lines.find((l) => l.msg === 'websocket client error')!;
    expect(line.level).toBe(20);
    expect(JSON.stringify(line)).not.toMatch(/stack|\n\s+at /);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('a malformed WebSocket handshake is 400 with the uniform body, not ws plain text', async () => {
    const { address } = await build({}, true);
    const { port } = new URL(address);
    const auth = bearer('u1').authorization;
    const upgrade = (headers: string) =>
      raw(
        address,
        `GET /ws/things HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          `Authorization: ${auth}\r\n${headers}\r\n`,
      );
    let res = await upgrade('Sec-WebSocket-Version: 13\r\n');
    expect(statusOf(res)).toBe(400);
    expect(bodyOf(res)).toEqual({
      error: 'bad_request',
      message: expect.stringContaining('Sec-WebSocket-Key'),
    });
    res = await upgrade('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n');
    expect(statusOf(res)).toBe(400);
    expect(bodyOf(res)).toEqual({ error: 'bad_request', message: expect.stringContaining('Version') });
  });

  it('caps open WebSockets per user (429 on the upgrade beyond it)', async () => {
    const { address } = await build({ WS_MAX_PER_USER: '2' }, true);
    const url = `${address.replace(/^http/, 'ws')}/ws/things`;
    const open = (user: string) =>
      new Promise<number>((done) => {
        const ws = new WebSocket(url, { headers: bearer(user) });
        sockets.push(ws);
        ws.on('open', () => done(101));
        ws.on('unexpected-response', (_req, res) => done(res.statusCode ?? 0));
        ws.on('error', () => undefined);
      });
    expect(await open('u1')).toBe(101);
    expect(await open('u1')).toBe(101);
    expect(await open('u1')).toBe(429);
    expect(await open('u2')).toBe(101);
    sockets[0]!.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(await open('u1')).toBe(101);
  });
});
