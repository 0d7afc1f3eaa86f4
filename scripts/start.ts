/**
 * `npm start [-- --instances N]`: the local platform. Kafka (the running dev broker,
 * KAFKA_BROKERS, or a new one that lives as long as this command) plus every workspace under
 * services/ whose package.json has a "start" script, each with KAFKA_BROKERS, AUTH_SECRET and
 * its own PORT (package.json `config.port`, else the contract's table, else 4200 up). With
 * `--instances N` each service runs N times: instance k on port + 100·(k−1) with its own
 * DATA_DIR, all in one consumer group (partitions are shared between them).
 *
 * A service that exits — crash or exit code 0 — is restarted with back-off a few times while the
 * others keep running (see Supervisor). SIGINT (Ctrl-C), SIGTERM and SIGHUP alike — also sent
 * to the whole process group, several times — stop the services (each flushes, commits and
 * closes; SIGKILL after STOP_TIMEOUT_MS, default 20 s, naming who needed it), then the broker if
 * this command started it, then exit 0. A SIGKILLed `npm start` leaves nothing behind either:
 * its services read end-of-file on stdin and stop themselves, the broker has its watchdog.
 * Output is one line per event, prefixed with the instance, on a terminal; JSON lines
 * otherwise (start-output.ts).
 *
 * More options: `--only a,b` runs only those services; `--port-offset K` moves every port by K
 * (a second platform beside the first); `--data-dir D` keeps the instances' state under D
 * instead of .data (instance k of a service in D/<service> or D/<service>-k).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type DevBrokerStart,
  parseBrokers,
  startDevBroker,
  ToolchainError,
  waitForCluster,
} from '../infra/kafka/src/index.ts';
import { discoverServices, type ProcessSpec, Supervisor } from '../libs/service-kit/src/supervisor/index.ts';
import { serviceCommand } from './service-command.ts';
import { lineFormatter, outputMode } from './start-output.ts';
import { whenStopRequested } from './supervisor/stop-signals.ts';

const root = resolve(import.meta.dirname, '..');
const tty = process.stdout.isTTY === true;
const format = lineFormatter(outputMode(process.env, tty), { colorize: tty });
const say = (line: string) => console.log(format.own(line));
// A hung-up terminal or a closed log pipe fails every later write (EIO, EPIPE): the stop in
// progress must go on regardless, not end in an uncaught stream error.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

interface Options {
  readonly instances: number;
  readonly only: readonly string[] | undefined;
  readonly portOffset: number;
  readonly dataDir: string;
  /** How long a service may take to stop before it gets SIGKILL (STOP_TIMEOUT_MS). */
  readonly stopTimeoutMs: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      instances: { type: 'string', default: '1' },
      only: { type: 'string' },
      'port-offset': { type: 'string', default: '0' },
      'data-dir': { type: 'string', default: resolve(root, '.data') },
    },
  });
  const instances = Number(values.instances);
  if (!Number.isInteger(instances) || instances < 1 || instances > 9) {
    throw new Error(`--instances must be a whole number from 1 to 9 (got "${values.instances}")`);
  }
  const portOffset = Number(values['port-offset']);
  if (!Number.isInteger(portOffset) || portOffset < 0 || portOffset > 60_000) {
    throw new Error(`--port-offset must be a whole number from 0 to 60000 (got "${values['port-offset']}")`);
  }
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const stopTimeoutMs = Number(process.env.STOP_TIMEOUT_MS ?? 20_000);
  if (!Number.isInteger(stopTimeoutMs) || stopTimeoutMs < 1000) {
    throw new Error(
      `STOP_TIMEOUT_MS must be a whole number of ms, at least 1000 (got "${process.env.STOP_TIMEOUT_MS}")`,
    );
  }
  return { instances, only, portOffset, dataDir: resolve(values['data-dir']), stopTimeoutMs };
}

/** The secret for this run: AUTH_SECRET, or a new one saved to .data/auth-secret (mode 600). */
function authSecret(): string {
  if (process.env.AUTH_SECRET) return process.env.AUTH_SECRET;
  const secret = randomBytes(32).toString('base64url');
  const file = resolve(root, '.data', 'auth-secret');
  mkdirSync(resolve(root, '.data'), { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  say('AUTH_SECRET was not set: generated one for this run, saved in .data/auth-secret');
  say(
    '  in another shell: export AUTH_SECRET=$(cat .data/auth-secret); TOKEN=$(npm run -s token -- --user u1)',
  );
  return secret;
}

async function main(): Promise<number> {
  const { instances, only, portOffset, dataDir, stopTimeoutMs } = options();
  // Handlers first: a signal during the broker's start must not end this process on the spot.
  const stopRequested = whenStopRequested(say);
  let stopAsked = false;
  void stopRequested.then(() => {
    stopAsked = true;
  });
  const discovered = discoverServices(resolve(root, 'services'));
  const unknown = (only ?? []).filter((name) => !discovered.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `--only names no service "${unknown.join('", "')}" (there are: ${discovered.map((s) => s.name).join(', ')})`,
    );
  }
  const secret = authSecret();

  let owned: DevBrokerStart | undefined;
  let brokers = parseBrokers(process.env.KAFKA_BROKERS);
  if (brokers) {
    say(`Kafka: KAFKA_BROKERS=${brokers.join(',')}`);
    await waitForCluster(brokers, { timeoutMs: 30_000 });
  } else {
    const started = await startDevBroker({ detached: false, log: say });
    brokers = started.state.brokers;
    if (started.alreadyRunning)
      say(`Kafka: the local broker already running (pid ${started.state.pid}) stays up afterwards`);
    else owned = started;
  }
  const address = brokers.join(',');
  say(`Kafka: ${address}    (export KAFKA_BROKERS=${address} to use it from another shell)`);

  const chosen = discovered.filter((s) => !only || only.includes(s.name));
  // The console watches the services of this run (instance 1 of each), wherever they listen.
  const watched = chosen
    .filter((s) => s.name !== 'console')
    .map((s) => `${s.name}=http://127.0.0.1:${s.port + portOffset}`)
    .join(',');
  const specs: ProcessSpec[] = [];
  for (const service of chosen) {
    for (let k = 1; k <= instances; k++) {
      const name = instances > 1 ? `${service.name}#${k}` : service.name;
      const port = service.port + portOffset + 100 * (k - 1);
      specs.push({
        name,
        ...serviceCommand(root, service.name),
        cwd: root,
        env: {
          ...process.env,
          KAFKA_BROKERS: address,
          AUTH_SECRET: secret,
          PORT: String(port),
          DATA_DIR: resolve(dataDir, k > 1 ? `${service.name}-${k}` : service.name),
          // JSON into the pipe; start-output.ts makes it one line per event for the screen.
          LOG_FORMAT: 'json',
          // A service's own stop deadline comes first, so it can say what it still waited for
          // before the supervisor's SIGKILL.
          SHUTDOWN_TIMEOUT_MS: process.env.SHUTDOWN_TIMEOUT_MS ?? String(ownStopDeadline(stopTimeoutMs)),
          ...(service.name === 'console' && watched && !process.env.CONSOLE_SERVICES
            ? { CONSOLE_SERVICES: watched }
            : {}),
        },
      });
      say(`${name} → http://127.0.0.1:${port}  (docs: http://127.0.0.1:${port}/docs)`);
    }
  }
  if (specs.length === 0) say('No services yet (no services/*/package.json with a "start" script).');

  const supervisor = new Supervisor(specs, {
    say,
    output: (name, line) => console.log(format.service(name, line)),
    stopGraceMs: stopTimeoutMs,
  });
  // Stopped while the broker started: no service is started only to be stopped again.
  if (!stopAsked) supervisor.start();
  say(`Ctrl-C stops ${specs.length > 0 ? 'the services' : 'nothing but'}${owned ? ' and the broker' : ''}`);
  const signal = await stopRequested;
  const began = Date.now();
  say(`${signal}: stopping`);
  await supervisor.stop();
  say(`services stopped after ${seconds(Date.now() - began)}`);
  if (owned && !owned.alreadyRunning) {
    say('stopping the local Kafka broker');
    const brokerBegan = Date.now();
    await owned.broker.stop();
    say(`the local Kafka broker stopped after ${seconds(Date.now() - brokerBegan)}`);
  }
  say(`stopped after ${seconds(Date.now() - began)}`);
  return 0;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A service's SHUTDOWN_TIMEOUT_MS: 3 s (at most a quarter) before the supervisor's SIGKILL. */
function ownStopDeadline(stopTimeoutMs: number): number {
  return Math.max(1000, stopTimeoutMs - Math.min(3000, Math.floor(stopTimeoutMs / 4)));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(format.own(error instanceof ToolchainError ? error.message : String(error)));
    process.exit(1);
  },
);
