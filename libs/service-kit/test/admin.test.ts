import {
  type Cluster,
  defineGroup,
  Emitter,
  input,
  json,
  lookup,
  loopback,
  memoryCluster,
  output,
  type Processor,
  persist,
  string,
  tableTopic,
  type View,
} from '@showcase/goka';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { GroupDeadLetters } from '../src/admin/index.ts';
import { createService, mintToken, type Service } from '../src/index.ts';

const SECRET = 'admin-test-secret-0123456789-abcdef';
const env = { AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', PORT: '0' };
const token = (admin = true) => mintToken({ secret: SECRET, user: admin ? 'ops' : 'u1', admin });
const bearer = (admin = true) => ({ authorization: `Bearer ${token(admin)}` });

// A graph with every kind of edge, so the topology must name each one.
const profiles = defineGroup(
  'adm-profiles',
  persist(json<string>()),
  input('adm-names', string(), (ctx, name) => {
    ctx.setValue(name);
  }),
);
const counter = defineGroup<number, number>(
  'adm-counter',
  persist(json<number>()),
  lookup(tableTopic('adm-profiles'), json<string>()),
  output('adm-counted', json<number>()),
  input('adm-clicks', json<number>(), (ctx, n) => {
    if (n < 0) throw new Error(`negative click ${n}`);
    ctx.setValue((ctx.value() ?? 0) + n);
    ctx.emit('adm-counted', ctx.key, ctx.value() ?? 0);
    if (n === 100) ctx.loopback(`${ctx.key}-echo`, 1);
  }),
  loopback(json<number>(), (ctx, n) => ctx.setValue((ctx.value() ?? 0) + n)),
);

const services: Service[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
});

async function build() {
  const cluster: Cluster = memoryCluster({ partitions: 3 });
  const service = await createService({
    name: 'adm',
    port: 0,
    cluster,
    env,
    admin: { instance: 'test-instance', liveIntervalMs: 100 },
  });
  services.push(service as Service);
  const processors: Processor<unknown, unknown>[] = [
    service.processor(profiles) as Processor<unknown, unknown>,
    service.processor(counter, { onError: 'dead-letter' }) as Processor<unknown, unknown>,
  ];
  const views: View<unknown>[] = [
    service.view({ name: counter.table, codec: json<number>() }) as View<unknown>,
  ];
  // createService serves the admin routes of every service: they describe what was registered.
  expect(service.registeredProcessors).toEqual(processors);
  expect(service.registeredViews).toEqual(views);
  const clicks = new Emitter<number>({ cluster, topic: 'adm-clicks', codec: json<number>() });
  const address = await service.start();
  await service.whenReady();
  return { service, cluster, clicks, address, view: views[0] as View<number> };
}

async function until<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = await probe();
    if (found !== undefined && found !== false) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('admin routes', { timeout: 20_000 }, () => {
  it('admit admins only', async () => {
    const { service } = await build();
    for (const url of ['/admin/topology', '/admin/groups', '/admin/tables/x', '/admin/dead-letters']) {
      expect((await service.app.inject({ url })).statusCode, url).toBe(401);
      expect((await service.app.inject({ url, headers: bearer(false) })).statusCode, url).toBe(403);
    }
  });

  it('describe the topology from the group definitions', async () => {
    const { service } = await build();
    const res = await service.app.inject({ url: '/admin/topology', headers: bearer() });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      service: 'adm',
      views: ['adm-counter-table'],
      groups: [
        {
          group: 'adm-counter',
          inputs: ['adm-clicks'],
          joins: [],
          lookups: ['adm-profiles-table'],
          loopback: 'adm-counter-loop',
          outputs: ['adm-counted'],
          table: 'adm-counter-table',
          deadLetters: 'adm-counter-dlq',
        },
        {
          group: 'adm-profiles',
          inputs: ['adm-names'],
          joins: [],
          lookups: [],
          loopback: null,
          outputs: [],
          table: 'adm-profiles-table',
          deadLetters: 'adm-profiles-dlq',
        },
      ],
    });
  });

  it('report per partition offsets, lag 0 once drained, and processed counts that add up', async () => {
    const { service, clicks, cluster } = await build();
    const keys = ['a', 'b', 'c', 'd', 'e', 'constructor', '__proto__'];
    for (const k of keys) await clicks.emit(k, 2);
    const highs = await cluster.offsets('adm-clicks');
    const body = await until(async () => {
      const res = await service.app.inject({ url: '/admin/groups', headers: bearer() });
      const b = res.json();
      const g = b.groups.find((x: { group: string }) => x.group === 'adm-counter');
      return g.processed === keys.length && g.lag === 0 ? b : undefined;
    }, 'the counter to process every click');
    const g = body.groups.find((x: { group: string }) => x.group === 'adm-counter');
    expect(g.state).toBe('running');
    expect(g.instance).toBe('test-instance');
    expect(g.partitions.map((p: { partition: number }) => p.partition)).toEqual([0, 1, 2]);
    for (const p of g.partitions) {
      const high = highs.find((o) => o.partition === p.partition)!.high;
      const pos = p.positions.find((t: { topic: string }) => t.topic === 'adm-clicks');
      if (high === 0) continue; // a partition that received nothing has no position yet
      expect(pos).toMatchObject({ consumed: high, high, lag: 0 });
      expect(pos.committed).toBeLessThanOrEqual(high);
      expect(p.recovery.finished).toBe(true);
    }
    expect(body.views).toEqual([
      expect.objectContaining({ table: 'adm-counter-table', state: 'running', partitions: 3 }),
    ]);
  });

  it('get a key and scan a range in pages that together equal a sorted fold', async () => {
    const { service, clicks, view } = await build();
    const oracle = new Map<string, number>();
    const keys = ['k03', 'k01', 'constructor', '__proto__', 'k10', 'k02', 'toString', 'k07', 'k05'];
    for (const [i, k] of keys.entries()) {
      await clicks.emit(k, i + 1);
      oracle.set(k, (oracle.get(k) ?? 0) + i + 1);
    }
    await until(
      async () => ((await view.get('k05')) === oracle.get('k05') ? true : undefined),
      'k05 in the view',
    );
    const get = await service.app.inject({
      url: '/admin/tables/adm-counter-table?key=__proto__',
      headers: bearer(),
    });
    expect(get.json()).toEqual({ table: 'adm-counter-table', key: '__proto__', found: true, value: 4 });
    const missing = await service.app.inject({
      url: '/admin/tables/adm-counter-table?key=nope',
      headers: bearer(),
    });
    expect(missing.json()).toMatchObject({ found: false, value: null });

    const pages: { key: string; value: number }[][] = [];
    let after: string | null = null;
    do {
      const q: string = `from=k01&to=k07&limit=2${after ? `&after=${after}` : ''}`;
      const res = await service.app.inject({
        url: `/admin/tables/adm-counter-table?${q}`,
        headers: bearer(),
      });
      expect(res.statusCode).toBe(200);
      const b = res.json();
      pages.push(b.items);
      after = b.next;
    } while (after !== null);
    const expected = [...oracle.entries()]
      .filter(([k]) => k >= 'k01' && k <= 'k07')
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, value]) => ({ key, value }));
    expect(pages.flat()).toEqual(expected);
    expect(pages.every((p) => p.length <= 2)).toBe(true);
  });

  it('reject bad queries with the field named and unknown tables with 404', async () => {
    const { service } = await build();
    for (const limit of ['Infinity', '0', '501', '1.5', 'x']) {
      const res = await service.app.inject({
        url: `/admin/tables/adm-counter-table?limit=${limit}`,
        headers: bearer(),
      });
      expect(res.statusCode, limit).toBe(400);
      expect(res.json().message, limit).toMatch(/limit/);
    }
    const dead = await service.app.inject({ url: '/admin/dead-letters?limit=Infinity', headers: bearer() });
    expect(dead.statusCode).toBe(400);
    expect(dead.json().field).toBe('querystring.limit');
    const unknown = await service.app.inject({ url: '/admin/tables/constructor?key=a', headers: bearer() });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toBe('not_found');
  });

  it('show dead letters with their error headers', async () => {
    const { service, clicks } = await build();
    await clicks.emit('bad', -5);
    await clicks.emit('good', 1);
    const body = await until(async () => {
      const res = await service.app.inject({ url: '/admin/dead-letters?limit=5', headers: bearer() });
      const g = res.json().groups.find((x: { group: string }) => x.group === 'adm-counter');
      return g.count === 1 && (res.json() as { groups: GroupDeadLetters[] });
    }, 'one dead letter');
    const g = body.groups.find((x) => x.group === 'adm-counter')!;
    expect(g.topic).toBe('adm-counter-dlq');
    expect(g.last).toHaveLength(1);
    expect(g.last[0]).toMatchObject({
      key: 'bad',
      value: '-5',
      headers: expect.objectContaining({ 'goka-error': 'negative click -5', 'goka-topic': 'adm-clicks' }),
    });
    // A group with the fail policy has no dead-letter topic.
    expect(body.groups.find((x: { group: string }) => x.group === 'adm-profiles')).toMatchObject({
      exists: false,
      count: 0,
    });
  });

  it('stream status and the updates of a watched key over the live socket', async () => {
    const { clicks, address } = await build();
    const ws = new WebSocket(`${address.replace(/^http/, 'ws')}/admin/live?token=${token()}`);
    const messages: { type: string; [k: string]: unknown }[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      await until(async () => (messages.some((m) => m.type === 'status') ? true : undefined), 'a status');
      ws.send(JSON.stringify({ type: 'watch', table: 'adm-counter-table', key: 'w' }));
      await until(
        async () => (messages.some((m) => m.type === 'value') ? true : undefined),
        'the current value',
      );
      expect(messages.find((m) => m.type === 'value')).toMatchObject({ key: 'w', value: null });
      await clicks.emit('other', 1);
      await clicks.emit('w', 7);
      const update = await until(async () => messages.find((m) => m.type === 'update'), 'an update of w');
      expect(update).toMatchObject({ table: 'adm-counter-table', key: 'w', value: 7 });
      expect(messages.filter((m) => m.type === 'update').every((m) => m.key === 'w')).toBe(true);
      ws.send('not json');
      await until(async () => messages.find((m) => m.type === 'error'), 'an error for bad input');
    } finally {
      ws.close();
    }
  });

  it('refuse the live socket without an admin token', async () => {
    const { address } = await build();
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${address.replace(/^http/, 'ws')}/admin/live?token=${token(false)}`);
      ws.on('error', () => undefined);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => {
        ws.close();
        resolve(101);
      });
    });
    expect(status).toBe(403);
  });
});

describe('admin routes of a service without stream components', () => {
  it('answer with empty lists and need no cluster', async () => {
    const service = await createService({ name: 'bare', port: 0, env });
    services.push(service as Service);
    for (const url of ['/admin/topology', '/admin/groups', '/admin/dead-letters']) {
      const res = await service.app.inject({ url, headers: bearer() });
      expect(res.statusCode, url).toBe(200);
      expect(res.json().groups, url).toEqual([]);
    }
  });
});
