import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { anyone, auth, startMatchSearch, tableWriters, token } from './support.ts';

type Running = Awaited<ReturnType<typeof startMatchSearch>>;
let running: Running | undefined;
let writers: ReturnType<typeof tableWriters> | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await writers?.close();
  writers = undefined;
  await running?.service.stop();
  running = undefined;
});

async function start(listen = false) {
  running = await startMatchSearch({ LOG_LEVEL: process.env.TEST_LOG ?? 'silent' }, { listen });
  writers = tableWriters(running.cluster);
  const { app } = running.service;
  const put = (user: string, what: 'profile' | 'location' | 'presence', payload: unknown, as = user) =>
    app.inject({
      method: 'PUT',
      url: `/users/${user}/${what}`,
      headers: auth(as),
      payload: payload as object,
    });
  const nearby = (user: string, query = '', as = user) =>
    app.inject({ method: 'GET', url: `/users/${user}/nearby${query}`, headers: auth(as) });
  const users = async (user: string, query = '') =>
    (await nearby(user, query)).json().users?.map((u: { user: string }) => u.user);
  /** A complete, online user at a position, visible once the directory has it. */
  const join = async (user: string, lat: number, lon: number, profile = anyone) => {
    expect((await put(user, 'profile', profile)).statusCode).toBe(202);
    expect((await put(user, 'location', { lat, lon })).statusCode).toBe(202);
    expect((await put(user, 'presence', { online: true })).statusCode).toBe(202);
    await vi.waitFor(() =>
      expect(running!.directory.isOnline(user) && running!.directory.locationOf(user)).toBeTruthy(),
    );
  };
  return { ...running, app, put, nearby, users, join, writers };
}

describe('match-search API', () => {
  it('PUTs answer 202 with an id; nearby sorts by distance then id and cuts at limit', async () => {
    const { put, nearby, join } = await start();
    const res = await put('me', 'profile', anyone);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ id: expect.any(String) });
    await join('me', 52.52, 13.405);
    await join('b', 52.53, 13.405);
    await join('a', 52.53, 13.405); // same place as b: the id decides
    await join('far', 48.14, 11.58); // Munich, ~500 km
    const body = (await nearby('me', '?radiusKm=10')).json();
    expect(body.users.map((u: { user: string }) => u.user)).toEqual(['a', 'b']);
    expect(body.users[0]).toEqual({
      user: 'a',
      distanceKm: expect.closeTo(1.112, 2),
      age: 30,
      gender: 'female',
      online: true,
    });
    expect((await nearby('me', '?radiusKm=10&limit=1')).json().users).toHaveLength(1);
    expect((await nearby('me', '?radiusKm=500')).json().users.map((u: { user: string }) => u.user)).toEqual([
      'a',
      'b',
    ]);
    // Default radius 25 km.
    expect((await nearby('me')).json().users).toHaveLength(2);
    // online=true keeps online users only.
    await put('a', 'presence', { online: false });
    await vi.waitFor(async () =>
      expect((await nearby('me', '?online=true')).json().users.map((u: { user: string }) => u.user)).toEqual([
        'b',
      ]),
    );
    expect((await nearby('me')).json().users.find((u: { user: string }) => u.user === 'a').online).toBe(
      false,
    );
  });

  it('409 incomplete-profile without a profile or without a location', async () => {
    const { put, nearby } = await start();
    await put('p', 'profile', anyone);
    await put('l', 'location', { lat: 1, lon: 1 });
    await vi.waitFor(() => expect(running!.directory.locationOf('l')).toBeDefined());
    for (const user of ['p', 'l', 'nobody']) {
      const res = await nearby(user);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toEqual({ error: 'incomplete-profile', message: expect.any(String) });
    }
  });

  it('applies the mutual filters both ways', async () => {
    const { join, users } = await start();
    const man = { age: 40, gender: 'male', seeking: ['female'], ageMin: 25, ageMax: 45 } as const;
    await join('me', 0, 0, man);
    await join('fits', 0, 0.01, { age: 30, gender: 'female', seeking: ['male'], ageMin: 35, ageMax: 50 });
    await join('too-young-for-me', 0, 0.01, {
      age: 22,
      gender: 'female',
      seeking: ['male'],
      ageMin: 18,
      ageMax: 50,
    });
    await join('i-am-too-old', 0, 0.01, {
      age: 30,
      gender: 'female',
      seeking: ['male'],
      ageMin: 25,
      ageMax: 35,
    });
    await join('seeks-women', 0, 0.01, {
      age: 30,
      gender: 'female',
      seeking: ['female'],
      ageMin: 18,
      ageMax: 99,
    });
    await join('a-man', 0, 0.01, {
      age: 30,
      gender: 'male',
      seeking: ['male', 'female'],
      ageMin: 18,
      ageMax: 99,
    });
    expect(await users('me')).toEqual(['fits']);
    expect(await users('fits')).toEqual(['me']);
    await join('woman-for-women', 0, 0.02, {
      age: 50,
      gender: 'female',
      seeking: ['female'],
      ageMin: 18,
      ageMax: 99,
    });
    expect(await users('seeks-women')).toEqual(['woman-for-women']);
  });

  it('hides users anti-spam blocks and pairs with a block edge either way, and shows them again', async () => {
    const { join, users, writers: w } = await start();
    await join('me', 10, 10);
    await join('spammer', 10, 10.01);
    await join('blocked-by-me', 10, 10.02);
    await join('blocks-me', 10, 10.03);
    expect(await users('me')).toEqual(['spammer', 'blocked-by-me', 'blocks-me']);
    await w.spamBlock('spammer', true);
    await w.blockEdge('me', 'blocked-by-me', true);
    await w.blockEdge('blocks-me', 'me', true);
    await vi.waitFor(async () => expect(await users('me')).toEqual([]));
    // The block edge hides both sides from each other; the spammer vanishes for everyone.
    expect(await users('blocks-me')).toEqual(['blocked-by-me']);
    await w.spamBlock('spammer', false);
    await w.blockEdge('me', 'blocked-by-me', false);
    await vi.waitFor(async () => expect(await users('me')).toEqual(['spammer', 'blocked-by-me']));
  });

  it('400 naming the field for bad bodies (no coercion) and queries; 401 and 403', async () => {
    const { put, nearby, join } = await start();
    await join('me', 0, 0);
    const field = async (res: Awaited<ReturnType<typeof put>>) => {
      expect(res.statusCode, `${res.body} ${res.raw.req.url} ${String(res.raw.req)}`).toBe(400);
      expect(res.json()).toMatchObject({ error: 'bad_request', message: expect.any(String) });
      return res.json().field;
    };
    expect(await field(await put('me', 'location', { lat: '1', lon: 0 }))).toBe('body.lat');
    expect(await field(await put('me', 'location', { lat: 91, lon: 0 }))).toBe('body.lat');
    expect(await field(await put('me', 'location', { lat: 0, lon: -180.5 }))).toBe('body.lon');
    expect(await field(await put('me', 'location', { lat: 0 }))).toBe('body.lon');
    expect(await field(await put('me', 'location', { lat: 0, lon: 0, alt: 3 }))).toBe('body.alt');
    expect(await field(await put('me', 'profile', { ...anyone, age: 17 }))).toBe('body.age');
    expect(await field(await put('me', 'profile', { ...anyone, age: 30.5 }))).toBe('body.age');
    expect(await field(await put('me', 'profile', { ...anyone, age: '30' }))).toBe('body.age');
    expect(await field(await put('me', 'profile', { ...anyone, gender: 'other' }))).toBe('body.gender');
    expect(await field(await put('me', 'profile', { ...anyone, seeking: [] }))).toBe('body.seeking');
    expect(await field(await put('me', 'profile', { ...anyone, seeking: 'male' }))).toBe('body.seeking');
    expect(await field(await put('me', 'profile', { ...anyone, seeking: ['male', 'male'] }))).toBe(
      'body.seeking',
    );
    expect(await field(await put('me', 'profile', { ...anyone, ageMin: 40, ageMax: 30 }))).toBe(
      'body.ageMax',
    );
    expect(await field(await put('me', 'profile', { ...anyone, ageMax: 121 }))).toBe('body.ageMax');
    expect(await field(await put('me', 'presence', { online: 'true' }))).toBe('body.online');
    for (const [q, f] of [
      ['?radiusKm=0', 'querystring.radiusKm'],
      ['?radiusKm=500.1', 'querystring.radiusKm'],
      ['?radiusKm=Infinity', 'querystring.radiusKm'],
      ['?radiusKm=abc', 'querystring.radiusKm'],
      ['?limit=0', 'querystring.limit'],
      ['?limit=501', 'querystring.limit'],
      ['?limit=Infinity', 'querystring.limit'],
      ['?limit=2.5', 'querystring.limit'],
      ['?online=maybe', 'querystring.online'],
    ] as const) {
      expect(await field(await nearby('me', q)), q).toBe(f);
    }
    expect((await nearby('me', '?radiusKm=500&limit=500')).statusCode).toBe(200);
    expect((await put('me', 'location', { lat: 0, lon: 0 }, 'other')).statusCode).toBe(403);
    expect((await nearby('me', '', 'other')).statusCode).toBe(403);
    expect((await put('me', 'location', { lat: 0, lon: 0 }, 'admin')).statusCode).toBe(403);
    const asAdmin = await running!.service.app.inject({
      method: 'PUT',
      url: '/users/me/location',
      headers: auth('mod', true),
      payload: { lat: 0, lon: 0 },
    });
    expect(asAdmin.statusCode).toBe(202);
    const noToken = await running!.service.app.inject({ method: 'GET', url: '/users/me/nearby' });
    expect(noToken.statusCode).toBe(401);
  });

  it('WS /ws/nearby sends the neighbourhood, then entered / moved / left, also when the caller moves', async () => {
    const { put, join, address } = await start(true);
    await join('me', 0, 0);
    await join('x', 0, 0.1);
    const ws = new WebSocket(`${address.replace('http', 'ws')}/ws/nearby?radiusKm=50&token=${token('me')}`);
    sockets.push(ws);
    const events: { type: string; user?: string; distanceKm?: number }[] = [];
    ws.on('message', (data) => events.push(JSON.parse(String(data))));
    await vi.waitFor(() => expect(events.map((e) => e.type)).toEqual(['subscribed', 'entered']));
    expect(events[1]).toEqual({ type: 'entered', user: 'x', distanceKm: expect.closeTo(11.12, 1) });
    await put('x', 'location', { lat: 0, lon: 0.2 });
    await vi.waitFor(() => expect(events.at(-1)).toMatchObject({ type: 'moved', user: 'x' }));
    await join('y', 0.1, 0);
    await vi.waitFor(() => expect(events.at(-1)).toMatchObject({ type: 'entered', user: 'y' }));
    await put('me', 'location', { lat: 10, lon: 10 });
    await vi.waitFor(() =>
      expect(
        events
          .filter((e) => e.type === 'left')
          .map((e) => e.user)
          .sort(),
      ).toEqual(['x', 'y']),
    );
  });
});
