import { defineGroup, Emitter, input, json, memoryCluster, persist } from '@showcase/goka';
import { ConfigError, createService, mintToken, type Service } from '@showcase/service-kit';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createConsole, parseServices } from '../src/index.ts';

const SECRET = 'console-test-secret-0123456789-abcdef';
const env = { AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', PORT: '0' };
const token = (admin = true) => mintToken({ secret: SECRET, user: admin ? 'ops' : 'u1', admin });
const bearer = (admin = true) => ({ authorization: `Bearer ${token(admin)}` });

const totals = defineGroup<number>(
  'con-totals',
  persist(json<number>()),
  input('con-amounts', json<number>(), (ctx, n) => ctx.setValue((ctx.value() ?? 0) + n)),
);

const running: Service[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

/** A service with the admin routes, listening, plus the console pointed at it and at a dead port. */
async function platform() {
  const cluster = memoryCluster({ partitions: 2 });
  const upstream = await createService({ name: 'up', port: 0, cluster, env, admin: { liveIntervalMs: 100 } });
  running.push(upstream as Service);
  upstream.processor(totals);
  const view = upstream.view({ name: totals.table, codec: json<number>() });
  const upUrl = await upstream.start();
  await upstream.whenReady();
  const { service } = await createConsole({
    env: { ...env, CONSOLE_SERVICES: `up=${upUrl},down=http://127.0.0.1:1`, LIVE_INTERVAL_MS: '200' },
  });
  running.push(service as unknown as Service);
  const address = await service.start();
  const amounts = new Emitter<number>({ cluster, topic: 'con-amounts', codec: json<number>() });
  return { console: service, address, amounts, view };
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('CONSOLE_SERVICES', () => {
  it('parses name=url pairs and reports every bad entry', () => {
    expect(parseServices('a=http://h:1/, b = https://x.example:2')).toEqual([
      { name: 'a', url: 'http://h:1' },
      { name: 'b', url: 'https://x.example:2' },
    ]);
    const error = (() => {
      try {
        parseServices('nourl,a=ftp://h,a=http://h:1,a=http://h:2,b=::');
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.problems).toEqual([
      'CONSOLE_SERVICES entry "nourl" must be name=http://host:port',
      'CONSOLE_SERVICES entry "a=ftp://h": only http and https URLs',
      'CONSOLE_SERVICES names "a" twice',
      'CONSOLE_SERVICES entry "b=::": "::" is not a URL',
    ]);
  });
});

describe('the console API', { timeout: 20_000 }, () => {
  it('admits admins only and shows each service’s answer, reachable or not', async () => {
    const { console: c } = await platform();
    expect((await c.app.inject({ url: '/api/topology' })).statusCode).toBe(401);
    expect((await c.app.inject({ url: '/api/topology', headers: bearer(false) })).statusCode).toBe(403);
    const res = await c.app.inject({ url: '/api/topology', headers: bearer() });
    expect(res.statusCode).toBe(200);
    const [up, down] = res.json().services;
    expect(up).toMatchObject({
      service: 'up',
      ok: true,
      body: { service: 'up', views: ['con-totals-table'] },
    });
    expect(up.body.groups.map((g: { group: string }) => g.group)).toEqual(['con-totals']);
    expect(down).toMatchObject({ service: 'down', ok: false, status: null });
    expect(down.error).toMatch(/refused|reach|fetch/i);
  });

  it('gets a key through the owning service and rejects bad input before asking it', async () => {
    const { console: c, amounts, view } = await platform();
    await amounts.emit('constructor', 5);
    await amounts.emit('constructor', 2);
    await until(async () => ((await view.get('constructor')) === 7 ? true : undefined), 'the total');
    const get = await c.app.inject({
      url: '/api/tables/up/con-totals-table?key=constructor',
      headers: bearer(),
    });
    expect(get.json()).toEqual({ table: 'con-totals-table', key: 'constructor', found: true, value: 7 });
    const scan = await c.app.inject({ url: '/api/tables/up/con-totals-table?limit=10', headers: bearer() });
    expect(scan.json()).toEqual({
      table: 'con-totals-table',
      items: [{ key: 'constructor', value: 7 }],
      next: null,
    });
    const unknownService = await c.app.inject({ url: '/api/tables/__proto__/t?key=a', headers: bearer() });
    expect(unknownService.statusCode).toBe(404);
    const unknownTable = await c.app.inject({ url: '/api/tables/up/nope?key=a', headers: bearer() });
    expect(unknownTable.statusCode).toBe(404);
    expect(unknownTable.json().message).toMatch(/no view of table "nope"/);
    const infinite = await c.app.inject({
      url: '/api/tables/up/con-totals-table?limit=Infinity',
      headers: bearer(),
    });
    expect(infinite.statusCode).toBe(400);
    expect(infinite.json().field).toBe('querystring.limit');
    const down = await c.app.inject({ url: '/api/tables/down/t?key=a', headers: bearer() });
    expect(down.statusCode).toBe(502);
  });

  it('pushes group status and a watched key’s updates over its live socket', async () => {
    const { address, amounts } = await platform();
    const ws = new WebSocket(`${address.replace(/^http/, 'ws')}/api/live?token=${token()}`);
    const messages: Record<string, unknown>[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(String(d))));
    try {
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const groups = await until(() => messages.find((m) => m.type === 'groups'), 'a status message');
      expect((groups.services as { service: string; ok: boolean }[]).map((s) => [s.service, s.ok])).toEqual([
        ['up', true],
        ['down', false],
      ]);
      ws.send(JSON.stringify({ type: 'watch', service: 'up', table: 'con-totals-table', key: 'k' }));
      await until(() => messages.find((m) => m.type === 'value'), 'the current value');
      await amounts.emit('k', 3);
      const update = await until(() => messages.find((m) => m.type === 'update'), 'an update');
      expect(update).toMatchObject({ service: 'up', table: 'con-totals-table', key: 'k', value: 3 });
    } finally {
      ws.close();
    }
  });

  it('serves the page and its assets from itself, with no external URL in them', async () => {
    const { console: c } = await platform();
    for (const [url, type] of [
      ['/', 'text/html'],
      ['/assets/console.js', 'text/javascript'],
      ['/assets/topology.js', 'text/javascript'],
      ['/assets/shared.js', 'text/javascript'],
      ['/assets/groups.js', 'text/javascript'],
      ['/assets/tables.js', 'text/javascript'],
      ['/assets/dead-letters.js', 'text/javascript'],
      ['/assets/console.css', 'text/css'],
    ] as const) {
      const res = await c.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toContain(type);
      expect(res.headers['content-security-policy'], url).toContain("default-src 'self'");
      // The SVG namespace is an identifier, not a download.
      expect(res.body.replaceAll('http://www.w3.org/2000/svg', ''), url).not.toMatch(/https?:\/\/|\/\/cdn/);
    }
    expect((await c.app.inject({ url: '/assets/../package.json' })).statusCode).toBe(404);
  });
});
