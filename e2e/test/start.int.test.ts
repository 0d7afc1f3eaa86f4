import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { brokers, eventually } from '../src/index.ts';
import { alive, answers, type NpmStartRun, startNpmStart, writeLoad } from './npm-start-run.ts';

/**
 * `npm start -- --instances 2` end to end, on the test broker (start.ts uses KAFKA_BROKERS when
 * set): every instance listens where the printed line says, becomes ready, and Ctrl-C — SIGINT
 * to the whole process group, as a terminal sends it — under a write load stops every process
 * it started, each service logging "stopped", with exit code 0. Two services keep it cheap on a
 * shared machine — anti-spam (Kafka, tables) and the console (no Kafka) — with their state
 * under a temp dir and every port moved by a free offset, so a developer's own `npm start` is
 * not disturbed. (Group SIGTERM, a hanging stop and a SIGKILLed supervisor: start-stops.int.test.ts.)
 */
const SERVICES = ['anti-spam', 'console'] as const;
const BASE_PORT = { console: 4100, 'anti-spam': 4101 };
const INSTANCES = 2;

let run: NpmStartRun | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'e2e-npm-start-'));
afterAll(() => {
  run?.kill(); // whatever happened: nothing this test started outlives it
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start -- --instances 2', () => {
  it('prints where each instance listens, every instance becomes ready, Ctrl-C stops all of it', async () => {
    const secret = randomBytes(32).toString('base64url');
    const startedAt = Date.now();
    run = await startNpmStart({
      services: SERVICES,
      basePort: BASE_PORT,
      instances: INSTANCES,
      dataDir,
      env: {
        ...process.env,
        KAFKA_BROKERS: brokers(),
        AUTH_SECRET: secret,
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'pretty',
      },
    });
    console.log(
      `[npm start test] ${run.instances.length} instances ready ${Date.now() - startedAt} ms after start`,
    );
    const { lines } = run;
    // The printed listen lines: one per instance, port + 100·(k−1), moved by the offset.
    for (const { name, url } of run.instances)
      expect(run.output()).toContain(`[npm start] ${name} → ${url}  (docs: ${url}/docs)`);

    // Ctrl-C to the whole group while messages are written: every process npm start started
    // ends, each service logs "stopped", and it exits 0.
    const load = writeLoad(
      run.instances.filter((i) => i.name.startsWith('anti-spam')).map((i) => i.url),
      secret,
    );
    await eventually(() => expect(load.accepted()).toBeGreaterThan(0), 30_000, 100);
    const started = run.processes();
    expect(started.length).toBeGreaterThanOrEqual(run.instances.length);
    const stopAt = Date.now();
    run.signalGroup('SIGINT');
    const code = await Promise.race([
      run.exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000)),
    ]);
    await load.stop();
    expect(code, run.output().slice(-3000)).toBe(0);
    console.log(`[npm start test] stopped ${started.length} processes in ${Date.now() - stopAt} ms`);
    await eventually(() => expect([run!.pid, ...started].filter(alive)).toEqual([]), 10_000, 100);
    for (const { url } of run.instances) expect(await answers(`${url}/healthz`), url).toBe(false);
    expect(run.output()).toContain('[npm start] stopped');
    for (const { name } of run.instances) {
      const service = name.split('#')[0];
      expect(
        lines.some((l) => new RegExp(`^\\[${name}\\] .*: ${service} stopped`).test(l)),
        name,
      ).toBe(true);
      expect(run.output()).toMatch(new RegExp(`\\[npm start\\] ${name} stopped after .* \\(exit code 0\\)`));
    }

    // One line per event, each prefixed with who said it; a service's line is a pino event
    // (time, level, message) — a multi-line event would leave unprefixed continuation lines.
    const prefixes = ['npm start', ...run.instances.map((e) => e.name)];
    const stray = lines.filter((l) => l !== '' && !prefixes.some((p) => l.startsWith(`[${p}] `)));
    expect(stray.slice(0, 5), 'lines without an instance prefix').toEqual([]);
    const serviceLines = lines.filter((l) => run!.instances.some((e) => l.startsWith(`[${e.name}] `)));
    const notEvents = serviceLines.filter((l) => !/^\[[^\]]+\] \[\d\d:\d\d:\d\d\.\d{3}\] [A-Z]+: /.test(l));
    expect(notEvents.slice(0, 5), 'service lines that are not one pino event').toEqual([]);
  }, 300_000);
});
