import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir } from '@showcase/kafka-infra';
import { afterAll, describe, expect, it } from 'vitest';
import { brokers, eventually } from '../src/index.ts';
import {
  alive,
  answers,
  type NpmStartRun,
  parentOf,
  pidListeningAs,
  startNpmStart,
  writeLoad,
} from './npm-start-run.ts';

/**
 * Issue 28: every stop of `npm start` ends, in order, however it is asked for. A signal to the
 * whole process group (systemd, a CI runner, a process manager) under a write load: every
 * service logs "stopped", then the broker npm start owns stops, then it exits 0, and no process
 * and no port is left; an instance whose stop hangs is SIGKILLed at STOP_TIMEOUT_MS and named.
 * A SIGKILLed supervisor: its services notice and stop themselves within seconds. (Group SIGINT
 * under load is in start.int.test.ts.) anti-spam (Kafka, tables, writes) and the console keep
 * it cheap; two instances each.
 */
const SERVICES = ['anti-spam', 'console'] as const;
const BASE_PORT = { console: 4100, 'anti-spam': 4101 };
const secret = randomBytes(32).toString('base64url');
const temp = mkdtempSync(join(tmpdir(), 'e2e-npm-start-stops-'));
const runs: NpmStartRun[] = [];
afterAll(() => {
  for (const run of runs) run.kill(); // whatever happened: nothing started here outlives the file
  rmSync(temp, { recursive: true, force: true });
});

/**
 * A cache dir of its own for the broker npm start owns in this test (its own state file, data
 * and port; a developer's dev broker is not touched), sharing the jars the global setup
 * fetched. Undefined when there are none (a run against an external KAFKA_BROKERS only).
 */
function ownBrokerCache(): string | undefined {
  const real = cacheDir();
  const jars = existsSync(real) ? readdirSync(real).filter((e) => e.startsWith('kafka_')) : [];
  if (!jars.some((d) => existsSync(join(real, d, '.complete')))) return undefined;
  const dir = join(temp, 'kafka-cache');
  mkdirSync(dir, { recursive: true });
  for (const entry of [...jars, 'm2', 'maven'])
    if (existsSync(join(real, entry))) symlinkSync(join(real, entry), join(dir, entry));
  return dir;
}

const portOpen = (address: string) =>
  new Promise<boolean>((resolveOpen) => {
    const [host, port] = address.split(':');
    const socket = connect(Number(port), host!);
    socket.once('connect', () => {
      socket.destroy();
      resolveOpen(true);
    });
    socket.once('error', () => resolveOpen(false));
  });

/** Index of the first line matching `pattern`, for ordering; -1 if none. */
const lineOf = (lines: readonly string[], pattern: RegExp) => lines.findIndex((l) => pattern.test(l));

const baseEnv = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
  ...process.env,
  AUTH_SECRET: secret,
  LOG_LEVEL: 'info',
  LOG_FORMAT: 'pretty',
  ...extra,
});

describe('npm start: every stop ends', () => {
  const cache = ownBrokerCache();

  it.skipIf(!cache)(
    'group SIGTERM under a write load: services stop (a hanging one SIGKILLed and named), then its broker; exit 0, nothing left',
    async () => {
      const { KAFKA_BROKERS: _external, ...env } = baseEnv({
        KAFKA_CACHE_DIR: cache,
        STOP_TIMEOUT_MS: '8000',
      });
      const run = await startNpmStart({
        services: SERVICES,
        basePort: BASE_PORT,
        instances: 2,
        dataDir: join(temp, 'term'),
        env,
      });
      runs.push(run);
      const broker = /\[npm start\] Kafka: (127\.0\.0\.1:\d+)/.exec(run.output())?.[1];
      expect(broker, run.output().slice(-3000)).toBeDefined();
      const antiSpam = run.instances.filter((i) => i.name.startsWith('anti-spam'));
      const load = writeLoad(
        antiSpam.map((i) => i.url),
        secret,
      );
      await eventually(() => expect(load.accepted()).toBeGreaterThan(0), 30_000, 100);
      // A stop that hangs: anti-spam#2 frozen, it cannot even see the SIGTERM.
      const processes = run.processes();
      const hanging = pidListeningAs(processes, antiSpam[1]!.port);
      expect(hanging, 'pid of anti-spam#2').toBeDefined();
      process.kill(hanging!, 'SIGSTOP');

      run.signalGroup('SIGTERM');
      const code = await run.exited;
      const accepted = await load.stop();
      expect(accepted, 'messages accepted before the stop').toBeGreaterThan(0);
      expect(code, run.output().slice(-4000)).toBe(0);
      console.log(
        `[npm start stops] SIGTERM:\n${run.lines.filter((l) => l.startsWith('[npm start]')).join('\n')}`,
      );

      const { lines } = run;
      expect(run.output()).toContain('[npm start] anti-spam#2 did not stop within 8 s: SIGKILL');
      const brokerStops = lineOf(lines, /^\[npm start\] stopping the local Kafka broker/);
      expect(brokerStops).toBeGreaterThan(0);
      for (const { name } of run.instances.filter((i) => i.name !== 'anti-spam#2')) {
        const service = name.split('#')[0];
        const stopped = lineOf(lines, new RegExp(`^\\[${name}\\] .*: ${service} stopped`));
        expect(stopped, `${name} logs "stopped"`).toBeGreaterThan(0);
        expect(stopped, `${name} stopped before the broker`).toBeLessThan(brokerStops);
        expect(
          lineOf(lines, new RegExp(`^\\[npm start\\] ${name} stopped after .* \\(exit code 0\\)`)),
        ).toBeLessThan(brokerStops);
      }
      expect(lineOf(lines, /^\[npm start\] anti-spam#2 killed after/)).toBeLessThan(brokerStops);
      expect(lineOf(lines, /^\[npm start\] the local Kafka broker stopped/)).toBeGreaterThan(brokerStops);

      await eventually(() => expect([run.pid, ...processes].filter(alive)).toEqual([]), 10_000, 100);
      for (const { url } of run.instances) expect(await answers(`${url}/healthz`), url).toBe(false);
      expect(await portOpen(broker!), `broker ${broker}`).toBe(false);
    },
    300_000,
  );

  it('SIGKILL of the supervisor: every service instance stops itself within seconds', async () => {
    const run = await startNpmStart({
      services: SERVICES,
      basePort: BASE_PORT,
      instances: 2,
      dataDir: join(temp, 'kill'),
      env: baseEnv({ KAFKA_BROKERS: brokers() }),
    });
    runs.push(run);
    const services = run.instances.map((i) => pidListeningAs(run.processes(), i.port));
    expect(services.every((pid) => pid !== undefined)).toBe(true);
    // The supervisor is npm's own child: `npm start` execs node on scripts/start.ts.
    const supervisor = run.processes().find((pid) => parentOf(pid) === run.pid);
    expect(supervisor).toBeDefined();
    const killedAt = Date.now();
    process.kill(supervisor!, 'SIGKILL');
    await eventually(() => expect(services.filter((pid) => alive(pid!))).toEqual([]), 20_000, 100);
    console.log(
      `[npm start stops] SIGKILL: ${services.length} services gone ${Date.now() - killedAt} ms after`,
    );
    for (const { url } of run.instances) expect(await answers(`${url}/healthz`), url).toBe(false);
    await run.exited;
  }, 300_000);
});
