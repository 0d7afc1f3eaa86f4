import { createHmac } from 'node:crypto';
import { messagesSent } from '@showcase/contracts';
import { bytes, Emitter } from '@showcase/goka';
import { assertFuzzClean } from '@showcase/service-kit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { auth, SECRET, startAntiSpam, token } from './support.ts';

type Running = Awaited<ReturnType<typeof startAntiSpam>>;
let running: Running | undefined;
afterEach(async () => {
  await running?.service.stop();
  running = undefined;
});

describe('anti-spam input hardening', () => {
  it('bodies are validated as sent: no coercion of booleans, numbers or arrays to strings', async () => {
    running = await startAntiSpam();
    const { app } = running.service;
    const post = (url: string, payload: object) =>
      app.inject({ method: 'POST', url, headers: auth('u1'), payload });
    for (const [url, payload, field] of [
      ['/messages', { to: true, text: false }, 'body.to'],
      ['/messages', { to: ['u2'], text: 'hi' }, 'body.to'],
      ['/messages', { to: 'u2', text: 42 }, 'body.text'],
      ['/reports', { user: 9, reason: 'spam' }, 'body.user'],
    ] as const) {
      const res = await post(url, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json()).toMatchObject({ error: 'bad_request', field });
    }
  });

  it('?limit=Infinity and -Infinity are rejected', async () => {
    running = await startAntiSpam();
    const { app } = running.service;
    for (const v of ['Infinity', '-Infinity']) {
      const res = await app.inject({ method: 'GET', url: `/users/u1/inbox?limit=${v}`, headers: auth('u1') });
      expect(res.statusCode, v).toBe(400);
      expect(res.json()).toMatchObject({ field: 'querystring.limit' });
    }
  });

  it('a token whose subject is a look-alike of a user id is refused', async () => {
    running = await startAntiSpam();
    const now = Math.floor(Date.now() / 1000);
    const head = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
    const body = Buffer.from(JSON.stringify({ sub: 'alice\u200b', iat: now, exp: now + 60 })).toString(
      'base64url',
    );
    const sig = createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url');
    const res = await running.service.app.inject({
      method: 'POST',
      url: '/messages',
      headers: { authorization: `Bearer ${head}.${body}.${sig}` },
      payload: { to: 'bob', text: 'hi' },
    });
    expect(res.statusCode).toBe(401);
  });

  it('an undecodable record on messages-sent is dead-lettered; the service keeps running', async () => {
    running = await startAntiSpam();
    const { cluster, service } = running;
    const raw = new Emitter({ cluster, topic: messagesSent.name, codec: bytes() });
    await raw.emit('u1', Buffer.from('{"id": "x", truncated'));
    await raw.close();
    const res = await service.app.inject({
      method: 'POST',
      url: '/messages',
      headers: auth('u1'),
      payload: { to: 'u2', text: 'still here?' },
    });
    expect(res.statusCode).toBe(202);
    await expect
      .poll(async () => (await service.app.inject({ method: 'GET', url: '/metrics' })).body, {
        timeout: 10_000,
      })
      .toMatch(/goka_processor_dead_lettered_total\{[^}]*group="anti-spam-filter"[^}]*\} 1/);
    const metrics = (await service.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/goka_processor_dead_lettered_total\{[^}]*group="anti-spam-detector"[^}]*\} 1/);
    expect(service.componentStates().every((c) => c.state === 'running')).toBe(true);
    expect((await service.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});

describe('fuzz', () => {
  it('every route, ~1,000 hostile requests: never a 5xx, every error { error, message }', async () => {
    running = await startAntiSpam();
    const report = await assertFuzzClean(running.service.app, {
      requests: 1000,
      seed: 10,
      token: (user, admin) => token(user, admin),
    });
    expect(report.routes.length).toBeGreaterThanOrEqual(9);
    expect(report.byStatus.get(202) ?? 0).toBeGreaterThan(0);
    expect(report.byStatus.get(200) ?? 0).toBeGreaterThan(0);
  }, 60_000);
});
