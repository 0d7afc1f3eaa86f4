import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { auth, startEdgeSet, token } from './support.ts';

type Running = Awaited<ReturnType<typeof startEdgeSet>>;
let running: Running | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await running?.service.stop();
  running = undefined;
});

async function start(listen = false) {
  running = await startEdgeSet({}, { listen });
  const { app } = running.service;
  const interact = (from: string, to: string, type: string) =>
    app.inject({ method: 'POST', url: '/interactions', headers: auth(from), payload: { to, type } });
  const get = (user: string, path: string) => app.inject({ method: 'GET', url: path, headers: auth(user) });
  return { ...running, app, interact, get };
}

describe('edge-set API', () => {
  it('POST /interactions answers 202 with an id; edges, relation and matches follow', async () => {
    const { interact, get } = await start();
    const res = await interact('alice', 'bob', 'like');
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ id: expect.any(String) });
    expect((await interact('bob', 'alice', 'like')).statusCode).toBe(202);
    await vi.waitFor(async () => {
      const matches = (await get('alice', '/users/alice/matches')).json();
      expect(matches).toEqual({ matches: [{ user: 'bob', since: expect.stringMatching(/^\d{4}-/) }] });
    });
    const edges = (await get('alice', '/users/alice/edges?direction=in')).json();
    expect(edges).toEqual({
      edges: [{ user: 'bob', type: 'like', count: 1, first: expect.any(String), last: expect.any(String) }],
    });
    const relation = (await get('bob', '/users/bob/relation/alice')).json();
    expect(relation).toMatchObject({
      out: [{ user: 'alice', type: 'like', count: 1 }],
      in: [{ user: 'alice', type: 'like', count: 1 }],
      match: true,
      since: expect.any(String),
    });
    const none = (await get('bob', '/users/bob/relation/carol')).json();
    expect(none).toEqual({ out: [], in: [], match: false });
  });

  it('pages with limit and cursor; next is absent on the last page', async () => {
    const { interact, get } = await start();
    const fans = ['f3', 'f1', 'f5', 'f2', 'f4'];
    for (const f of fans) await interact(f, 'star', 'like');
    await vi.waitFor(async () =>
      expect((await get('star', '/users/star/edges?direction=in&type=like')).json().edges).toHaveLength(5),
    );
    const seen: string[] = [];
    let url = '/users/star/edges?direction=in&type=like&limit=2';
    for (;;) {
      const page = (await get('star', url)).json();
      seen.push(...page.edges.map((e: { user: string }) => e.user));
      if (!page.next) break;
      url = `/users/star/edges?direction=in&type=like&limit=2&cursor=${encodeURIComponent(page.next)}`;
    }
    expect(seen).toEqual(['f1', 'f2', 'f3', 'f4', 'f5']);
    const admin = await get('root', '/users/star/edges?direction=in&limit=1000');
    expect(admin.statusCode).toBe(403);
    const asAdmin = await running!.service.app.inject({
      method: 'GET',
      url: '/users/star/edges?direction=in',
      headers: auth('root', true),
    });
    expect(asAdmin.json().edges).toHaveLength(5);
  });

  it('rejects bad input with 400 naming the field, 401 without token, 403 for other users', async () => {
    const { app, interact, get } = await start();
    const field = async (res: Awaited<ReturnType<typeof get>>) => {
      expect(res.statusCode).toBe(400);
      const body = res.json();
      expect(body.error).toBe('bad_request');
      expect(body.message).toEqual(expect.any(String));
      return body.field;
    };
    expect(await field(await interact('a', 'b', 'poke'))).toBe('body.type');
    expect(await field(await interact('a', 'a', 'like'))).toBe('body.to');
    expect(await field(await interact('a', 'b b', 'like'))).toBe('body.to');
    const post = (payload: unknown) =>
      app.inject({ method: 'POST', url: '/interactions', headers: auth('a'), payload: payload as object });
    expect(await field(await post({ to: 'b' }))).toBe('body.type');
    expect(await field(await post({ to: 'b', type: 'like', extra: 1 }))).toBe('body.extra');
    expect(await field(await post({ to: 7, type: 'like' }))).toBe('body.to');
    for (const limit of ['0', '1001', 'Infinity', '1.5', 'x', '-1']) {
      expect(await field(await get('a', `/users/a/edges?limit=${limit}`))).toBe('querystring.limit');
      expect(await field(await get('a', `/users/a/matches?limit=${limit}`))).toBe('querystring.limit');
    }
    for (const cursor of ['a|b', 'x~like', '', '%20', 'u~poke', 'a'.repeat(65)]) {
      const typed = `/users/a/edges?type=like&cursor=${encodeURIComponent(cursor)}`;
      expect(await field(await get('a', typed))).toBe('querystring.cursor');
    }
    expect(await field(await get('a', '/users/a/edges?cursor=u~poke'))).toBe('querystring.cursor');
    expect(await field(await get('a', '/users/a/matches?cursor=u~like'))).toBe('querystring.cursor');
    expect((await get('a', '/users/a/edges?cursor=u~like')).statusCode).toBe(200);
    expect(await field(await get('a', '/users/a/edges?direction=sideways'))).toBe('querystring.direction');
    expect(await field(await get('a', '/users/a/edges?type=unlike'))).toBe('querystring.type');
    expect(
      (await app.inject({ method: 'POST', url: '/interactions', payload: { to: 'b', type: 'like' } }))
        .statusCode,
    ).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/users/a/edges' })).statusCode).toBe(401);
    const bad = await app.inject({
      method: 'GET',
      url: '/users/a/edges',
      headers: { authorization: 'Bearer nope' },
    });
    expect(bad.statusCode).toBe(401);
    for (const path of ['/users/b/edges', '/users/b/matches', '/users/b/relation/a']) {
      const res = await get('a', path);
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toBe('forbidden');
    }
    expect((await get('a', '/users/a/relation/b')).statusCode).toBe(200);
  });

  it('user ids like constructor and __proto__ are ordinary users', async () => {
    const { interact, get } = await start();
    await interact('constructor', '__proto__', 'like');
    await interact('__proto__', 'constructor', 'like');
    await vi.waitFor(async () =>
      expect((await get('__proto__', '/users/__proto__/matches')).json().matches).toEqual([
        { user: 'constructor', since: expect.any(String) },
      ]),
    );
  });

  it('pushes liked-you, new-match and match-ended on /ws/notifications, never from a user the caller blocks', async () => {
    const { interact, address } = await start(true);
    const received: { type: string; user: string; at: string }[] = [];
    const ws = new WebSocket(`${address.replace(/^http/, 'ws')}/ws/notifications?token=${token('bob')}`);
    sockets.push(ws);
    ws.on('message', (data) => received.push(JSON.parse(String(data))));
    await vi.waitFor(() => expect(received[0]).toEqual({ type: 'subscribed', user: 'bob' }));
    await interact('alice', 'bob', 'like');
    await vi.waitFor(() => expect(received.map((m) => m.type)).toContain('liked-you'));
    await interact('bob', 'alice', 'like');
    await vi.waitFor(() => expect(received.map((m) => m.type)).toContain('new-match'));
    await interact('alice', 'bob', 'unlike');
    await vi.waitFor(() => expect(received.map((m) => m.type)).toContain('match-ended'));
    expect(received.slice(1).map((m) => `${m.type}:${m.user}`)).toEqual([
      'liked-you:alice',
      'new-match:alice',
      'match-ended:alice',
    ]);
    await interact('bob', 'mallory', 'block');
    await interact('mallory', 'bob', 'visit');
    await interact('mallory', 'bob', 'message');
    await interact('carol', 'bob', 'visit');
    await vi.waitFor(() => expect(received.map((m) => `${m.type}:${m.user}`)).toContain('visited-you:carol'));
    expect(received.filter((m) => m.user === 'mallory')).toEqual([]);
    const unauthorized = new WebSocket(`${address.replace(/^http/, 'ws')}/ws/notifications`);
    sockets.push(unauthorized);
    const status = await new Promise<number>((resolve) => {
      unauthorized.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      unauthorized.on('error', () => resolve(-1));
    });
    expect(status).toBe(401);
  });
});
