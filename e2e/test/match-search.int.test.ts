import { edgePairTable, type PairState, pairKey } from '@showcase/contracts';
import { Emitter, kafkaCluster } from '@showcase/goka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokers, eventually, type UsedService, useService } from '../src/index.ts';

/**
 * match-search end to end: the service and anti-spam as processes on the real broker, HTTP and
 * WebSocket only, plus edge-set's pair table written as edge-set writes it (a topic contract:
 * `edge-set-pairs-table`, key `pairKey(a, b)`), so block edges take effect without edge-set's
 * process. User ids carry a run prefix.
 */
const run = Date.now().toString(36);
const u = (name: string) => `${run}-${name}`;
const anyone = { age: 30, gender: 'female', seeking: ['female', 'male', 'diverse'], ageMin: 18, ageMax: 99 };

let search: UsedService;
let antiSpam: UsedService;
const cluster = kafkaCluster({ brokers: brokers().split(','), clientId: `e2e-match-search-${run}` });
const pairs = new Emitter({ cluster, topic: edgePairTable.name, codec: edgePairTable.codec });

beforeAll(async () => {
  search = await useService('match-search');
  antiSpam = await useService('anti-spam');
  return async () => {
    await Promise.all([search.close(), antiSpam.close()]);
  };
}, 240_000);
afterAll(async () => {
  await pairs.close();
  await cluster.close();
});

const put = (user: string, what: string, body: unknown) =>
  search.api.request('PUT', `/users/${user}/${what}`, { as: user, body });
const nearby = async (user: string, query = '?radiusKm=10') =>
  (
    await search.api.get<{ users: { user: string }[] }>(`/users/${user}/nearby${query}`, user)
  ).body.users?.map((r) => r.user);
const join = async (user: string, lat: number, lon: number) => {
  expect((await put(user, 'profile', anyone)).status).toBe(202);
  expect((await put(user, 'location', { lat, lon })).status).toBe(202);
};
const blockEdge = async (a: string, b: string, present: boolean) => {
  const edge = {
    user: b,
    type: present ? 'block' : 'like',
    count: 1,
    first: new Date().toISOString(),
    last: new Date().toISOString(),
  } as const;
  const ab: PairState = { user: a, other: b, out: [edge], in: [] };
  const ba: PairState = { user: b, other: a, out: [], in: [{ ...edge, user: a }] };
  await Promise.all([pairs.emit(pairKey(a, b), ab), pairs.emit(pairKey(b, a), ba)]);
};

describe('match-search over HTTP and WebSocket, with anti-spam and edge-set blocks', () => {
  it('finds neighbours, hides anti-spam blocked users and block edges, shows them again when lifted', async () => {
    // Far from anything else a reused broker may hold: a spot in the South Pacific.
    await join(u('me'), -48.5, -123.4);
    await join(u('spammer'), -48.5, -123.41);
    await join(u('blocked'), -48.5, -123.42);
    await eventually(async () => expect(await nearby(u('me'))).toEqual([u('spammer'), u('blocked')]));
    const mod = { admin: u('mod') };
    expect((await antiSpam.api.post(`/users/${u('spammer')}/block`, mod, { reason: 'e2e' })).status).toBe(
      202,
    );
    await blockEdge(u('blocked'), u('me'), true);
    await eventually(async () => expect(await nearby(u('me'))).toEqual([]));
    // Blocked by anti-spam means invisible to others; the spammer's own search still works.
    expect((await nearby(u('spammer')))?.sort()).toEqual([u('blocked'), u('me')].sort());
    expect((await antiSpam.api.post(`/users/${u('spammer')}/unblock`, mod, {})).status).toBe(202);
    await blockEdge(u('blocked'), u('me'), false);
    await eventually(async () => expect(await nearby(u('me'))).toEqual([u('spammer'), u('blocked')]));
  });

  it('answers 409 for an incomplete caller and 400 naming the field for a string latitude', async () => {
    expect((await search.api.get(`/users/${u('nobody')}/nearby`, u('nobody'))).status).toBe(409);
    const bad = await put(u('me'), 'location', { lat: '1', lon: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'bad_request', field: 'body.lat' });
  });

  it('WS /ws/nearby reports entered, moved and left', async () => {
    await join(u('ws-me'), 60.1, 24.9);
    await eventually(async () => expect(await nearby(u('ws-me'))).toEqual([]));
    const socket = await search.api.socket('/ws/nearby?radiusKm=20', u('ws-me'), 'header');
    try {
      await socket.next((m) => m.type === 'subscribed');
      await join(u('ws-x'), 60.15, 24.9);
      expect(await socket.next((m) => m.type === 'entered' && m.user === u('ws-x'))).toMatchObject({
        distanceKm: expect.any(Number),
      });
      await put(u('ws-x'), 'location', { lat: 60.2, lon: 24.9 });
      await socket.next((m) => m.type === 'moved' && m.user === u('ws-x'));
      await put(u('ws-x'), 'location', { lat: 61.5, lon: 24.9 });
      await socket.next((m) => m.type === 'left' && m.user === u('ws-x'));
    } finally {
      socket.close();
    }
  });
});
