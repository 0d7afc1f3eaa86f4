import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UserState } from '@showcase/contracts';
import { kafkaCluster, levelStorage } from '@showcase/goka';
import { brokersFromEnv } from '@showcase/kafka-infra';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bruteForceNearby } from '../sim/oracle.ts';
import { createMatchSearch, type MatchSearch } from '../src/service.ts';
import { population } from './population.ts';
import { SECRET, token } from './support.ts';

/**
 * On the real broker, over HTTP: a smaller seeded population written through the API, moves
 * included, then nearby answers compared with the brute-force oracle; then a restarted instance
 * (same LevelDB dir) answers the same from the store it reopens plus the changelog's tail.
 * User ids carry a run prefix; users other runs left on a reused broker join the oracle's world
 * as the service holds them.
 */
const run = `r${Date.now().toString(36)}`;
const cellDeg = 0.25;
const dataDir = mkdtempSync(join(tmpdir(), 'match-search-int-'));
const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

async function startInstance(): Promise<MatchSearch & { url: string; stop: () => Promise<void> }> {
  const cluster = kafkaCluster({ brokers: brokersFromEnv(), clientId: `match-search-${run}`, logger });
  const built = await createMatchSearch({
    cluster,
    storage: (component) => levelStorage({ path: join(dataDir, component) }),
    env: {
      AUTH_SECRET: SECRET,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
      PORT: '0',
      // No PARTITIONS: the run's tests share one broker, where the contract topics exist once.
      GRID_CELL_DEG: String(cellDeg),
    },
    logger,
  });
  built.service.onStop(() => cluster.close());
  const url = await built.service.start({ listen: true });
  await built.service.whenReady(120_000);
  return { ...built, url, stop: () => built.service.stop() };
}

const { rnd, updates, world } = population(77, 600, cellDeg, 200);
const prefixed = (id: string) => `${run}-${id}`;
let instance: Awaited<ReturnType<typeof startInstance>> | undefined;

async function http(method: string, path: string, as: string, body?: unknown) {
  const res = await fetch(`${instance!.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token(as)}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The oracle's world: this run's users (prefixed) plus whatever else the service holds. */
function fullWorld() {
  const users = new Map<string, UserState>();
  for (const [id, u] of world.users) users.set(prefixed(id), { ...u, user: prefixed(id) });
  return { users, spamBlocked: new Set<string>(), blockPairs: new Set<string>() };
}

async function compareQueries(count: number) {
  const w = fullWorld();
  const dir = instance!.directory;
  // Users of other runs: as the service holds them (they do not change during this test).
  for (const id of dir.searchableIds()) {
    if (id.startsWith(`${run}-`)) continue;
    w.users.set(id, {
      user: id,
      profile: dir.profileOf(id)!,
      location: dir.locationOf(id)!,
      online: dir.isOnline(id),
      updatedAt: 0,
    });
    if (dir.isSpamBlocked(id)) w.spamBlocked.add(id);
  }
  const callers = [...world.users.keys()];
  let nonEmpty = 0;
  for (let q = 0; q < count; q++) {
    const caller = prefixed(rnd.pick(callers));
    const radiusKm = rnd.pick([1, 5, 50, 200, 500]);
    const limit = rnd.pick([5, 50, 500]);
    const onlineOnly = rnd.next() < 0.3;
    const res = await http(
      'GET',
      `/users/${caller}/nearby?radiusKm=${radiusKm}&limit=${limit}&online=${onlineOnly}`,
      caller,
    );
    const want = bruteForceNearby(w, caller, { radiusKm, limit, onlineOnly });
    if (want === undefined) {
      expect(res.status).toBe(409);
      continue;
    }
    expect(res.status).toBe(200);
    expect(res.body.users, `${caller} r=${radiusKm} limit=${limit}`).toEqual(want);
    if (want.length > 0) nonEmpty++;
  }
  expect(nonEmpty).toBeGreaterThan(count / 5);
}

async function untilLoaded() {
  await vi.waitFor(
    () => {
      for (const [id, u] of world.users)
        expect(instance!.directory.locationOf(prefixed(id))).toEqual(u.location);
    },
    { timeout: 90_000, interval: 500 },
  );
}

beforeAll(async () => {
  instance = await startInstance();
  // Through the API, 25 requests at a time, each user's updates in their accepted order.
  const byUser = new Map<string, typeof updates>();
  for (const u of updates) byUser.set(u.user, [...(byUser.get(u.user) ?? []), u]);
  const queue = [...byUser.values()];
  const worker = async () => {
    for (let list = queue.shift(); list; list = queue.shift()) {
      for (const u of list) {
        const user = prefixed(u.user);
        const body =
          u.type === 'profile' ? u.profile : u.type === 'location' ? u.location : { online: u.online };
        const res = await http('PUT', `/users/${user}/${u.type}`, user, body);
        if (res.status !== 202)
          throw new Error(`PUT ${u.type} ${user}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 25 }, worker));
  await untilLoaded();
}, 180_000);

afterAll(async () => {
  await instance?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('match-search on Kafka over HTTP', () => {
  it('answers 150 nearby queries exactly like the brute-force scan', async () => {
    await compareQueries(150);
  }, 120_000);

  it('a restarted instance reopens its stores, seeds its grid from them and answers the same', async () => {
    await instance!.stop();
    instance = await startInstance();
    await untilLoaded();
    await compareQueries(60);
  }, 180_000);
});
