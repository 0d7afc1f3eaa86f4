import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { auth, BERLIN, profile, type Running, startRecommender, token } from './support.ts';

// Service tests start a whole service; a loaded machine needs more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

let running: Running | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await running?.stop();
  running = undefined;
});

const man = profile({ gender: 'male', seeking: ['female'] });

async function withPeople(env: Record<string, string> = {}, listen = false) {
  const r = await startRecommender(env, { listen });
  running = r;
  await r.setUser('me', profile(), BERLIN);
  for (const u of ['a', 'b', 'c']) await r.setUser(u, man, BERLIN);
  await vi.waitFor(() => expect(r.mirrors.users.size).toBe(4));
  return r;
}

describe('GET /users/:id/recommendations', () => {
  it('answers { items: [{ user, score }] } best first, at most k', async () => {
    const r = await withPeople();
    const res = await r.recommend('me', 'k=2');
    expect(res.statusCode).toBe(200);
    const { items } = res.json() as { items: { user: string; score: number }[] };
    expect(items).toHaveLength(2);
    for (const i of items) {
      expect(Object.keys(i).sort()).toEqual(['score', 'user']);
      expect(i.score).toBeGreaterThan(0);
      expect(i.score).toBeLessThan(1);
    }
    expect(items[0]!.score).toBeGreaterThanOrEqual(items[1]!.score);
    // Defaults: k=10, radiusKm=100.
    expect(
      (await r.app.inject({ method: 'GET', url: '/users/me/recommendations', headers: auth('me') })).json()
        .items,
    ).toHaveLength(3);
  });

  it('rejects bad queries with 400 naming the field; 401 without a token; 403 for someone else; admin may read', async () => {
    const r = await withPeople();
    const field = async (query: string) => {
      const res = await r.recommend('me', query);
      expect(res.statusCode, query).toBe(400);
      const body = res.json();
      expect(body.error).toBe('bad_request');
      expect(typeof body.message).toBe('string');
      return body.field as string;
    };
    for (const q of ['k=0', 'k=101', 'k=abc', 'k=1.5', 'k=Infinity'])
      expect(await field(q)).toBe('querystring.k');
    for (const q of [
      'radiusKm=0',
      'radiusKm=-1',
      'radiusKm=501',
      'radiusKm=Infinity',
      'radiusKm=NaN',
      'radiusKm=x',
    ]) {
      expect(await field(q)).toBe('querystring.radiusKm');
    }
    expect(await field('ranking=best')).toBe('querystring.ranking');
    const bad = await r.app.inject({
      method: 'GET',
      url: '/users/not%20valid/recommendations',
      headers: auth('x', true),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('params.id');
    expect((await r.app.inject({ method: 'GET', url: '/users/me/recommendations' })).statusCode).toBe(401);
    const other = await r.recommend('me', 'k=1', 'a');
    expect(other.statusCode).toBe(403);
    expect(other.json().error).toBe('forbidden');
    expect((await r.recommend('me', 'k=1', 'moderator', true)).statusCode).toBe(200);
    expect((await r.app.inject({ method: 'GET', url: '/model/stats', headers: auth('me') })).statusCode).toBe(
      403,
    );
  });

  it('409 incomplete-profile when the caller has no profile or no location', async () => {
    const r = await withPeople();
    await r.setUser('no-location', profile(), undefined);
    await r.setUser('no-profile', undefined, BERLIN);
    await vi.waitFor(async () => expect((await r.recommend('no-location')).statusCode).toBe(409));
    const res = await r.recommend('no-profile');
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: 'incomplete-profile', message: expect.any(String) });
    expect((await r.recommend('unknown')).statusCode).toBe(409);
  });

  it('an empty list, not an error, when nobody qualifies', async () => {
    const r = await withPeople();
    await r.setUser('lonely', profile({ seeking: ['diverse'] }), BERLIN);
    await vi.waitFor(() => expect(r.mirrors.users.get('lonely')).toBeDefined());
    expect((await r.recommend('lonely')).json()).toEqual({ items: [] });
  });

  it('learns from interactions: the model stats count them and a liked kind of user rises', async () => {
    const r = await withPeople();
    for (let i = 0; i < 10; i++) {
      await r.interact('me', 'a', 'like');
      await r.interact('me', 'c', 'pass');
    }
    await vi.waitFor(async () => {
      const stats = (
        await r.app.inject({ method: 'GET', url: '/model/stats', headers: auth('mod', true) })
      ).json();
      expect(stats).toMatchObject({ given: 20, received: 20, likesReceived: 10, rejected: 0 });
    });
    // No pair rows were written, so a and c are still candidates: the model alone orders them.
    await vi.waitFor(async () => {
      const items = (await r.recommend('me', 'ranking=one-sided')).json().items as { user: string }[];
      expect(items.map((i) => i.user)).toEqual(['a', 'b', 'c']);
    });
    const popular = (await r.recommend('me', 'ranking=popularity')).json().items as {
      user: string;
      score: number;
    }[];
    expect(popular[0]).toEqual({ user: 'a', score: 10 });
  });
});

describe('WS /ws/recommendations', () => {
  it('pushes the top-k on connect and again when it changes; 401 without a token', async () => {
    const r = await withPeople({ WS_REFRESH_MS: '50' }, true);
    const url = `${r.address.replace('http', 'ws')}/ws/recommendations?k=5&radiusKm=50&token=${token('me')}`;
    const messages: { type: string; items?: { user: string }[] }[] = [];
    const ws = new WebSocket(url);
    sockets.push(ws);
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    await vi.waitFor(() => expect(messages.length).toBeGreaterThanOrEqual(1));
    expect(messages[0]).toMatchObject({ type: 'recommendations', user: 'me' });
    expect(messages[0]!.items!.map((i) => i.user).sort()).toEqual(['a', 'b', 'c']);
    await r.pair('me', 'b', ['like'], []);
    await vi.waitFor(() => {
      const last = messages.at(-1)!;
      expect(last.items!.map((i) => i.user).sort()).toEqual(['a', 'c']);
    });
    const pushes = messages.length;
    // Nothing changed: nothing more is pushed.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(messages.length).toBe(pushes);

    const denied = new WebSocket(`${r.address.replace('http', 'ws')}/ws/recommendations`);
    sockets.push(denied);
    const status = await new Promise<number>((resolve) => {
      denied.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      denied.on('open', () => resolve(101));
      denied.on('error', () => undefined);
    });
    expect(status).toBe(401);

    const infinite = new WebSocket(
      `${r.address.replace('http', 'ws')}/ws/recommendations?k=Infinity&token=${token('me')}`,
    );
    sockets.push(infinite);
    const refused = await new Promise<number>((resolve) => {
      infinite.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      infinite.on('open', () => resolve(101));
      infinite.on('error', () => undefined);
    });
    expect(refused).toBe(400);
  });
});
