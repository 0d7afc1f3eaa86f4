import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bruteForceNearby } from '../sim/oracle.ts';
import { population } from './population.ts';
import { auth, startMatchSearch, tableWriters } from './support.ts';

/**
 * The service end to end in-process (API → emitter → users group → table → view → grid) against
 * the literal definition, on 20,000 users placed where geo indexes break, after moves, with
 * spam blocks and block edges. Positions use the service's own cell size so borders are real.
 */
describe('GET /users/:id/nearby equals a brute-force scan (seeded, 20,000 users)', () => {
  const cellDeg = 0.25;
  const { rnd, ids, updates, world, placed } = population(20_26, 20_000, cellDeg, 4_000);
  let running: Awaited<ReturnType<typeof startMatchSearch>>;
  let writers: ReturnType<typeof tableWriters>;

  beforeAll(async () => {
    running = await startMatchSearch({ GRID_CELL_DEG: String(cellDeg) });
    writers = tableWriters(running.cluster);
    for (let i = 0; i < updates.length; i += 2000)
      await Promise.all(updates.slice(i, i + 2000).map((u) => writers.update(u)));
    for (let i = 0; i < 300; i++) {
      const user = rnd.pick(ids);
      world.spamBlocked.add(user);
      await writers.spamBlock(user, true);
    }
    for (let i = 0; i < 500; i++) {
      const a = rnd.pick(ids);
      const b = rnd.pick(ids);
      if (a === b) continue;
      world.blockPairs.add(`${a}|${b}`).add(`${b}|${a}`);
      await writers.blockEdge(a, b, true);
    }
    const searchable = [...world.users.values()].filter((u) => u.profile && u.location).length;
    const { directory } = running;
    await vi.waitFor(
      () => {
        expect(directory.searchable).toBe(searchable);
        for (const [id, u] of world.users) expect(directory.locationOf(id)).toEqual(u.location);
        expect([...world.spamBlocked].every((id) => directory.isSpamBlocked(id))).toBe(true);
      },
      { timeout: 90_000, interval: 500 },
    );
  }, 120_000);

  afterAll(async () => {
    await writers?.close();
    await running?.service.stop();
  });

  it('for 200 callers, radii from 1 to 500 km, limits and online=true', async () => {
    const { app } = running.service;
    let compared = 0;
    let nonEmpty = 0;
    for (let q = 0; q < 200; q++) {
      // Every user stands on a generated position, most of them edge cases (see population.ts).
      const caller = rnd.pick(ids);
      const radiusKm = rnd.pick([1, 5, 25, 50, 200, 500, Math.round(rnd.between(1, 500) * 1000) / 1000]);
      const limit = rnd.pick([1, 10, 50, 500]);
      const onlineOnly = rnd.next() < 0.3;
      const res = await app.inject({
        method: 'GET',
        url: `/users/${caller}/nearby?radiusKm=${radiusKm}&limit=${limit}${onlineOnly ? '&online=true' : ''}`,
        headers: auth(caller),
      });
      const want = bruteForceNearby(world, caller, { radiusKm, limit, onlineOnly });
      if (want === undefined) {
        expect(res.statusCode).toBe(409);
        expect(res.json().error).toBe('incomplete-profile');
        continue;
      }
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().users, `caller ${caller} r=${radiusKm} limit=${limit} online=${onlineOnly}`).toEqual(
        want,
      );
      compared++;
      if (want.length > 0) nonEmpty++;
    }
    expect(compared).toBeGreaterThan(160);
    expect(nonEmpty).toBeGreaterThan(50);
    // The edge cases are populated: people at the poles, on both sides of the antimeridian, at 0/0.
    expect(placed.filter((p) => Math.abs(p.lat) >= 89.9).length).toBeGreaterThan(100);
    expect(placed.filter((p) => Math.abs(p.lon) >= 179.9).length).toBeGreaterThan(100);
  }, 120_000);
});
