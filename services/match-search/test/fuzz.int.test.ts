import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaCluster, levelStorage } from '@showcase/goka';
import { brokersFromEnv } from '@showcase/kafka-infra';
import { fuzzRoutes } from '@showcase/service-kit/testing';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createMatchSearch, type MatchSearch } from '../src/service.ts';
import { SECRET, token } from './support.ts';

/**
 * The platform fuzz (e2e fuzz-suite) on the real broker and LevelDB: what the generator's valid
 * writes do after the 202 — ids like `__proto__` and `constructor` through kafkajs batches, the
 * users group, the changelog, the view's LevelDB store and the tap — must leave every component
 * running (/healthz 200), and the service answering. The unit fuzz (fuzz.test.ts) covers the
 * HTTP side on the memory cluster.
 */
const run = `f${Date.now().toString(36)}`;
const dataDir = mkdtempSync(join(tmpdir(), 'match-search-fuzz-'));
const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
let instance: MatchSearch | undefined;

afterAll(async () => {
  await instance?.service.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('match-search fuzzed on the real broker', () => {
  it('never a 5xx, and every component still running after the fuzz’s writes are applied', async () => {
    const cluster = kafkaCluster({ brokers: brokersFromEnv(), clientId: `match-search-${run}`, logger });
    instance = await createMatchSearch({
      cluster,
      storage: (component) => levelStorage({ path: join(dataDir, component) }),
      env: { AUTH_SECRET: SECRET, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', PORT: '0' },
      logger,
    });
    instance.service.onStop(() => cluster.close());
    await instance.service.start({ listen: false });
    await instance.service.whenReady(120_000);
    const { app } = instance.service;
    const failures: string[] = [];
    let accepted = 0;
    for (const seed of [15, 16]) {
      const report = await fuzzRoutes(app, {
        requests: 250,
        seed,
        token: (user, admin) => token(user, admin),
        skip: (route) => route.websocket || route.path.startsWith('/ws/'),
      });
      accepted += report.byStatus.get(202) ?? 0;
      for (const f of report.failures)
        failures.push(`seed ${seed} ${f.why}: ${f.method} ${f.url} ${f.payload ?? ''} -> ${f.status}`);
    }
    expect(failures).toEqual([]);
    expect(accepted, 'the generator made some valid writes').toBeGreaterThan(0);
    // A marker written after the fuzz: once it is searchable, the fuzz's writes were applied too
    // (one partition each, in order — the marker proves its own partition; poll the rest).
    const put = (what: string, payload: object) =>
      app.inject({
        method: 'PUT',
        url: `/users/${run}/${what}`,
        headers: { authorization: `Bearer ${token(run, false)}` },
        payload,
      });
    expect(
      (await put('profile', { age: 30, gender: 'male', seeking: ['female'], ageMin: 18, ageMax: 99 }))
        .statusCode,
    ).toBe(202);
    expect((await put('location', { lat: 1, lon: 1 })).statusCode).toBe(202);
    await expect.poll(() => instance!.directory.locationOf(run), { timeout: 30_000 }).toBeDefined();
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode, health.body).toBe(200);
    expect(instance.service.componentStates().filter((c) => c.state !== 'running')).toEqual([]);
    const nearby = await app.inject({
      method: 'GET',
      url: `/users/${run}/nearby?radiusKm=500`,
      headers: { authorization: `Bearer ${token(run, false)}` },
    });
    expect(nearby.statusCode, nearby.body).toBe(200);
  }, 180_000);
});
