import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { FEATURE_NAMES } from '../src/features.ts';
import { auth, startSegmentation, token } from './support.ts';

type Running = Awaited<ReturnType<typeof startSegmentation>>;
/** Eventually consistent reads; generous for a loaded machine (vi.waitFor's default is 1 s). */
const waitFor = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 20_000, interval: 20 });
let running: Running | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await running?.stop();
  running = undefined;
});

async function start(listen = false) {
  running = await startSegmentation({}, { listen });
  const { app } = running.service;
  const segment = async (user: string, as = user) =>
    app.inject({ method: 'GET', url: `/users/${user}/segment`, headers: auth(as, as === 'mod') });
  const segments = async () =>
    (await app.inject({ method: 'GET', url: '/segments', headers: auth('anyone') })).json();
  const label = (payload: unknown, as = 'mod') =>
    app.inject({
      method: 'POST',
      url: '/labels',
      headers: auth(as, as === 'mod'),
      payload: payload as object,
    });
  return { ...running, app, segment, segments, label };
}

/** Two behaviours: likers only like, browsers visit and pass. */
async function drive(r: Running, rounds: number, likers: string[], browsers: string[]) {
  for (let round = 0; round < rounds; round++) {
    await Promise.all([
      ...likers.map((u, i) => r.interact(u, `t${(round + i) % 7}`, 'like')),
      ...browsers.map((u, i) => r.interact(u, `t${(round + i) % 7}`, round % 3 === 0 ? 'pass' : 'visit')),
    ]);
  }
}

describe('segmentation API', { timeout: 60_000 }, () => {
  it('rejects bad input with 400 naming the field, 401 without token, 403 for others and non-admins, 409 without a segment', async () => {
    const { app, segment, label } = await start();
    expect((await app.inject({ method: 'GET', url: '/users/bob/segment' })).statusCode).toBe(401);
    expect((await segment('bob', 'alice')).statusCode).toBe(403);
    expect((await segment('bob', 'alice')).json().error).toBe('forbidden');
    expect((await segment('bob', 'bob')).statusCode).toBe(200);
    expect((await segment('bob', 'mod')).statusCode).toBe(200);
    const bad = await app.inject({ method: 'GET', url: '/users/b%20b/segment', headers: auth('mod', true) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'bad_request', field: expect.stringContaining('id') });
    expect((await label({ segment: 'x' })).json()).toMatchObject({
      error: 'bad_request',
      field: 'body.user',
    });
    expect((await label({ user: 'bob' })).json()).toMatchObject({ field: 'body.segment' });
    expect((await label({ user: 'bob', segment: 'x', extra: 1 })).json()).toMatchObject({
      field: 'body.extra',
    });
    expect((await label({ user: 'bob', segment: 7 })).json()).toMatchObject({ field: 'body.segment' });
    expect((await label({ user: 'bob', segment: '' })).json()).toMatchObject({ field: 'body.segment' });
    expect((await label({ user: 'bob', segment: 'x' }, 'alice')).statusCode).toBe(403);
    const none = await label({ user: 'bob', segment: 'x' });
    expect(none.statusCode).toBe(409);
    expect(none.json()).toMatchObject({ error: 'no_segment', field: 'body.user' });
    expect((await app.inject({ method: 'GET', url: '/segments' })).statusCode).toBe(401);
  });

  it('a user without enough events has segment null; user ids like __proto__ work', async () => {
    const { segment, interact } = await start();
    await interact('__proto__', 'x', 'like');
    await waitFor(async () => expect((await segment('__proto__', 'mod')).json().events).toBe(1));
    expect((await segment('__proto__', 'mod')).json()).toEqual({
      user: '__proto__',
      segment: null,
      confidence: 0,
      features: {},
      previous: null,
      since: null,
      events: 1,
    });
  });

  it('learns two behaviours as two segments, shows them in GET /segments, names them with POST /labels', async () => {
    const r = await start();
    const likers = Array.from({ length: 10 }, (_, i) => `liker${i}`);
    const browsers = Array.from({ length: 10 }, (_, i) => `browser${i}`);
    const read = async (u: string) => (await r.segment(u, 'mod')).json();
    let separated = false;
    for (let attempt = 0; attempt < 12 && !separated; attempt++) {
      await drive(r, 25, likers, browsers);
      await waitFor(async () => expect((await read('browser9')).events).toBe(25 * (attempt + 1)));
      const l = new Set(await Promise.all(likers.map(async (u) => (await read(u)).segment)));
      const b = new Set(await Promise.all(browsers.map(async (u) => (await read(u)).segment)));
      separated = l.size === 1 && b.size === 1 && ![...l].some((s) => b.has(s) || s === null);
    }
    expect(separated).toBe(true);
    const liker = await read('liker0');
    expect(liker.confidence).toBeGreaterThan(0.5);
    expect(Object.keys(liker.features)).toEqual([...FEATURE_NAMES]);
    expect(liker.features.likes).toBeCloseTo(1, 3);
    const { segments } = await r.segments();
    expect(segments.length).toBeGreaterThanOrEqual(2);
    const mine = segments.find((s: { id: number }) => s.id === liker.segment);
    expect(mine.size).toBe(10);
    expect(mine.centroid.likes).toBeGreaterThan(0.9);

    const res = await r.label({ user: 'liker3', segment: 'swipers' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ id: expect.any(String), segment: liker.segment });
    await waitFor(async () => {
      const named = (await r.segments()).segments.find((s: { id: number }) => s.id === liker.segment);
      expect(named.label).toBe('swipers');
    });
    expect((await read('liker0')).label).toBe('swipers');
  });

  it('WS /ws/segments pushes { segment, previous, at } when the caller gets a segment', async () => {
    const r = await start(true);
    const ws = new WebSocket(`${r.address.replace(/^http/, 'ws')}/ws/segments?token=${token('walker')}`);
    sockets.push(ws);
    const messages: Record<string, unknown>[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    await waitFor(() => expect(messages[0]).toEqual({ type: 'subscribed', user: 'walker', segment: null }));
    // Another user first, so the model has a segment when the walker reaches its first sample.
    for (let i = 0; i < 6; i++) await r.interact('other', `t${i}`, 'like');
    for (let i = 0; i < 6; i++) await r.interact('walker', `t${i}`, 'like');
    await waitFor(() =>
      expect(messages.slice(1)).toEqual([
        {
          type: 'segment-changed',
          segment: expect.any(Number),
          previous: null,
          at: expect.stringMatching(/^\d{4}-/),
        },
      ]),
    );
    const unauthorised = new WebSocket(`${r.address.replace(/^http/, 'ws')}/ws/segments`);
    sockets.push(unauthorised);
    const status = await new Promise((resolve) => {
      unauthorised.on('error', () => undefined);
      unauthorised.once('unexpected-response', (_req, res) => resolve(res.statusCode));
    });
    expect(status).toBe(401);
  });
});
