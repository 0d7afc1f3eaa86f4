import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, eventually, type UsedPlatform, usePlatform } from '../src/index.ts';
import { fuzzSuite } from './suites/fuzz-suite.ts';

/**
 * The five services together on one broker, HTTP/WS only: what crosses a service border (a
 * spam block, a block edge, a like, every upstream event for segmentation) takes effect in the
 * services that read it. User ids carry a run prefix, so a reused broker's data cannot interfere.
 */
const run = Date.now().toString(36);
const u = (name: string) => `${run}-${name}`;
const ADMIN = { admin: u('admin') };

let platform: UsedPlatform;
let spam: ApiClient;
let edges: ApiClient;
let search: ApiClient;
let recs: ApiClient;
let segments: ApiClient;

beforeAll(async () => {
  platform = await usePlatform(['anti-spam', 'edge-set', 'match-search', 'recommender', 'segmentation']);
  spam = platform.api('anti-spam');
  edges = platform.api('edge-set');
  search = platform.api('match-search');
  recs = platform.api('recommender');
  segments = platform.api('segmentation');
  return platform.close;
}, 300_000);

/**
 * Where this run's users live: a random spot, so that no other test's users (the suite shares
 * one broker, and others place users in Berlin) are among their nearby results or candidates.
 */
const ORIGIN = { lat: -45 + Math.random() * 90, lon: -170 + Math.random() * 340 };

/** A searchable user `offsetKm` north of ORIGIN: everybody here seeks everybody, ages 20–60. */
async function place(user: string, offsetKm: number): Promise<void> {
  const profile = {
    age: 30,
    gender: 'female',
    seeking: ['female', 'male', 'diverse'],
    ageMin: 20,
    ageMax: 60,
  };
  expect((await search.request('PUT', `/users/${user}/profile`, { as: user, body: profile })).status).toBe(
    202,
  );
  const location = { lat: ORIGIN.lat + offsetKm / 111.2, lon: ORIGIN.lon };
  expect((await search.request('PUT', `/users/${user}/location`, { as: user, body: location })).status).toBe(
    202,
  );
}

const nearbyIds = async (user: string): Promise<string[]> => {
  const res = await search.get<{ users: { user: string }[] }>(
    `/users/${user}/nearby?radiusKm=50&limit=500`,
    user,
  );
  expect(res.status).toBe(200);
  return res.body.users.map((x) => x.user);
};
const recommendedIds = async (user: string): Promise<string[]> => {
  const res = await recs.get<{ items: { user: string }[] }>(
    `/users/${user}/recommendations?k=100&radiusKm=50`,
    user,
  );
  expect(res.status).toBe(200);
  return res.body.items.map((x) => x.user);
};
const interact = async (from: string, to: string, type: string) =>
  expect((await edges.post(`/interactions`, from, { to, type })).status).toBe(202);

/** Waits until `user`'s nearby results and recommendations both do (or do not) contain `other`. */
async function visibleTo(user: string, other: string, visible: boolean): Promise<void> {
  await eventually(async () => {
    expect((await nearbyIds(user)).includes(other)).toBe(visible);
    expect((await recommendedIds(user)).includes(other)).toBe(visible);
  }, 30_000);
}

describe('the platform across service borders', () => {
  it('a user blocked by anti-spam disappears from nearby results and recommendations, and comes back after unblock', async () => {
    const [viewer, spammer] = [u('viewer1'), u('spammer1')];
    await place(viewer, 0);
    await place(spammer, 1);
    await visibleTo(viewer, spammer, true);

    expect((await spam.post(`/users/${spammer}/block`, ADMIN, { reason: 'e2e' })).status).toBe(202);
    await visibleTo(viewer, spammer, false);

    expect((await spam.post(`/users/${spammer}/unblock`, ADMIN, {})).status).toBe(202);
    await visibleTo(viewer, spammer, true);
  });

  it('a block in edge-set hides both users from each other in match-search and recommender', async () => {
    const [a, b] = [u('blocker'), u('blocked')];
    await place(a, 0);
    await place(b, 2);
    await visibleTo(a, b, true);
    await visibleTo(b, a, true);

    await interact(a, b, 'block');
    await visibleTo(a, b, false);
    await visibleTo(b, a, false);

    await interact(a, b, 'unblock');
    await visibleTo(a, b, true);
    await visibleTo(b, a, true);
  });

  it('a like takes the liked user out of the liker’s recommendations; matched users are never recommended', async () => {
    const [a, b, bystander] = [u('liker'), u('liked'), u('bystander')];
    await place(a, 0);
    await place(b, 3);
    await place(bystander, 4);
    await eventually(async () => expect(await recommendedIds(a)).toContain(b), 30_000);
    await eventually(async () => expect(await recommendedIds(b)).toContain(a), 30_000);

    await interact(a, b, 'like');
    await eventually(async () => expect(await recommendedIds(a)).not.toContain(b), 30_000);

    await interact(b, a, 'like');
    await eventually(async () => {
      const relation = await edges.get<{ match: boolean }>(`/users/${a}/relation/${b}`, a);
      expect(relation.body.match).toBe(true);
    }, 30_000);
    await eventually(async () => expect(await recommendedIds(b)).not.toContain(a), 30_000);
    expect(await recommendedIds(a)).not.toContain(b);
    // Both still see each other nearby: a match is no reason to disappear from search.
    expect(await nearbyIds(a)).toContain(b);
    expect(await recommendedIds(a)).toContain(bystander);
  });

  it('segmentation sees the events of anti-spam, edge-set and match-search', async () => {
    const [user, peer] = [u('seg-user'), u('seg-peer')];
    await place(user, 0);
    // anti-spam verification keeps a few test messages from ever looking like spam.
    expect((await spam.post(`/users/${user}/verify`, ADMIN, {})).status).toBe(202);
    // Enough own events (25) for a first segment assignment, from all three upstream services.
    for (let i = 0; i < 8; i++) {
      expect((await spam.post('/messages', user, { to: peer, text: `hello number ${i}` })).status).toBe(202);
    }
    await interact(user, peer, 'like');
    for (let i = 0; i < 8; i++) await interact(user, u(`seg-visited-${i}`), 'visit');
    for (let i = 0; i < 8; i++) {
      const location = { lat: ORIGIN.lat - i * 0.6, lon: ORIGIN.lon + i * 0.25 };
      expect(
        (await search.request('PUT', `/users/${user}/location`, { as: user, body: location })).status,
      ).toBe(202);
    }

    await eventually(async () => {
      const res = await segments.get<{ events: number; features: Record<string, number> }>(
        `/users/${user}/segment`,
        user,
      );
      expect(res.status).toBe(200);
      expect(res.body.events).toBeGreaterThanOrEqual(25);
      const f = res.body.features;
      expect(f.messages).toBeGreaterThan(0); // anti-spam's messages-sent
      expect(f.likes).toBeGreaterThan(0); // edge-set's interactions
      expect(f.moves).toBeGreaterThan(0); // match-search's user updates
      expect(f.kmMoved).toBeGreaterThan(0); // distance between the location updates
    }, 30_000);
  });
});

/**
 * Who may call what, for every route and WebSocket of every service: `self` routes belong to the
 * user in the path (`:id` / `:a`), `admin` routes to admins, `user` routes to any signed-in user.
 * The table must name every route a service documents (checked against its OpenAPI), so a new
 * route cannot ship without an access rule here.
 */
type Access = 'self' | 'admin' | 'user';
const ACCESS: Record<string, Record<string, Access>> = {
  'anti-spam': {
    'POST /messages': 'user',
    'POST /reports': 'user',
    'GET /users/{id}/inbox': 'self',
    'GET /users/{id}/spam': 'self',
    'POST /users/{id}/block': 'admin',
    'POST /users/{id}/unblock': 'admin',
    'POST /users/{id}/verify': 'admin',
    'WS /ws/inbox': 'user',
    'WS /ws/moderation': 'admin',
  },
  'edge-set': {
    'POST /interactions': 'user',
    'GET /users/{id}/edges': 'self',
    'GET /users/{id}/matches': 'self',
    'GET /users/{a}/relation/{b}': 'self',
    'WS /ws/notifications': 'user',
  },
  'match-search': {
    'PUT /users/{id}/profile': 'self',
    'PUT /users/{id}/location': 'self',
    'PUT /users/{id}/presence': 'self',
    'GET /users/{id}/nearby': 'self',
    'WS /ws/nearby': 'user',
  },
  recommender: {
    'GET /users/{id}/recommendations': 'self',
    'GET /model/stats': 'admin',
    'WS /ws/recommendations': 'user',
  },
  segmentation: {
    'GET /users/{id}/segment': 'self',
    'GET /segments': 'user',
    'POST /labels': 'admin',
    'WS /ws/segments': 'user',
  },
};
const OPS = new Set(['/healthz', '/readyz', '/metrics']);

describe('who may call what, on every service', () => {
  it('the access table covers every documented route of every service', async () => {
    for (const [service, table] of Object.entries(ACCESS)) {
      const doc = await platform
        .api(service)
        .get<{ paths: Record<string, Record<string, unknown>> }>('/docs/json');
      expect(doc.status, `${service} /docs/json`).toBe(200);
      const documented = Object.entries(doc.body.paths)
        .filter(([path]) => !OPS.has(path) && !path.startsWith('/docs') && !path.startsWith('/admin'))
        .flatMap(([path, methods]) =>
          Object.keys(methods)
            .filter((m) => ['get', 'post', 'put', 'delete', 'patch'].includes(m))
            .map((m) => (path.startsWith('/ws/') ? `WS ${path}` : `${m.toUpperCase()} ${path}`)),
        );
      const missing = documented.filter((route) => !(route in table));
      expect(missing, `${service}: routes without an access rule`).toEqual([]);
    }
  });

  const owner = u('owner');
  const stranger = u('stranger');
  const rows = Object.entries(ACCESS).flatMap(([service, table]) =>
    Object.entries(table).map(([route, access]) => ({ service, route, access })),
  );

  it.each(rows)(
    '$service $route ($access): no token 401, wrong user 403, rightful caller allowed',
    async ({ service, route, access }) => {
      const api = platform.api(service);
      const [method, template] = route.split(' ') as [string, string];
      // The first path parameter is the owner; any further one another user.
      let first = true;
      const path = template.replace(/\{[^}]+\}/g, () => {
        const value = first ? owner : stranger;
        first = false;
        return value;
      });
      const userToken = (user: string, admin = false) => api.token(user, admin);
      const status = async (as: string | { admin: string } | null): Promise<number> => {
        if (method === 'WS') {
          if (as === null) return api.upgradeStatus(path);
          return api.upgradeStatus(path, typeof as === 'string' ? userToken(as) : userToken(as.admin, true));
        }
        const res = await api.request(method, path, { as, ...(method === 'GET' ? {} : { body: {} }) });
        if (res.status >= 400) {
          // Every refusal has the uniform error body.
          expect(res.body).toMatchObject({ error: expect.any(String), message: expect.any(String) });
        }
        return res.status;
      };

      expect(await status(null)).toBe(401);
      const allowed = (s: number) => s !== 401 && s !== 403;
      if (access === 'admin') {
        expect(await status(owner)).toBe(403);
        expect(allowed(await status(ADMIN))).toBe(true);
      } else if (access === 'self') {
        expect(await status(stranger)).toBe(403);
        expect(allowed(await status(owner))).toBe(true);
        expect(allowed(await status(ADMIN))).toBe(true);
      } else {
        expect(allowed(await status(stranger))).toBe(true);
        expect(allowed(await status(ADMIN))).toBe(true);
      }
    },
  );
});

// The fuzz over every route runs last, on the same five processes (one platform startup for both).
fuzzSuite(() => platform);
