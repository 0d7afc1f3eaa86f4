import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineGroup, input, json, memoryCluster, persist } from '@showcase/goka';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DataDirCheck, type DataDirProbe, probeDataDir } from '../src/data-dir-check.ts';
import { createService, type Service } from '../src/index.ts';

/**
 * Issue 26, disk and data: a data dir that cannot be written makes the service not ready with
 * the reason, and ready again once it can. Two honest ways to make a directory unwritable
 * without root (tests run as root here, so `chmod -w` would not stop a write): a data dir whose
 * parent is a file (a real ENOTDIR from the real probe), and a full disk (ENOSPC) through a probe
 * whose write fails the way a full disk's does — a small tmpfs needs root too.
 */
const SECRET = 'data-dir-test-secret-0123456789-abcd';
const env = { AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', PORT: '0' };
const logger = pino({ level: 'silent' });
const root = mkdtempSync(join(tmpdir(), 'data-dir-check-'));
const services: Service[] = [];

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const counter = defineGroup(
  'data-dir-counter',
  persist(json<number>()),
  input('data-dir-clicks', json<number>(), (ctx, m) => ctx.setValue((ctx.value() ?? 0) + m)),
);

/** Fails like a full disk while `full` is set, else writes for real. */
function fillableDisk(): { probe: DataDirProbe; full: boolean } {
  const disk = {
    full: false,
    probe: async (dir: string) => {
      if (disk.full)
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      await probeDataDir(dir);
    },
  };
  return disk;
}

describe('data dir readiness', () => {
  it('a data dir that cannot be created (its parent is a file) is a problem until it can', async () => {
    const blocker = join(root, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const check = new DataDirCheck(join(blocker, 'tables'), logger);
    await check.check();
    expect(check.problem()).toMatch(/^data dir .*not-a-dir\/tables is not writable: (ENOTDIR|EEXIST)/);
    rmSync(blocker);
    await check.check();
    expect(check.problem()).toBeUndefined();
  });

  it('/readyz is 503 with the reason while the disk is full, 200 again once space returns', async () => {
    const disk = fillableDisk();
    const check = new DataDirCheck(join(root, 'full'), logger, { probe: disk.probe, intervalMs: 60_000 });
    const service = await createService({ name: 'disk', port: 0, cluster: memoryCluster(), env });
    services.push(service as Service);
    service.processor(counter);
    service.addReadinessCheck(check);
    service.onStart(() => check.start());
    service.onStop(() => check.stop());
    await service.start({ listen: false });
    await service.whenReady(10_000);
    expect((await service.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

    disk.full = true;
    await check.check();
    const full = await service.app.inject({ method: 'GET', url: '/readyz' });
    expect(full.statusCode).toBe(503);
    expect(full.json().message).toMatch(/data dir .*full is not writable: ENOSPC: no space left on device/);

    disk.full = false;
    await check.check();
    expect((await service.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  }, 30_000);
});
