/**
 * `npm start`: the local platform. Kafka (the running dev broker, KAFKA_BROKERS, or a new one
 * that lives as long as this command) plus every service under services/ whose package.json
 * has a "start" script, each with KAFKA_BROKERS, AUTH_SECRET and its own PORT.
 * Ctrl-C / SIGTERM stops the services, then the broker if this command started it. A service
 * that exits on its own stops everything, visibly, with a non-zero exit code.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type DevBrokerStart,
  parseBrokers,
  startDevBroker,
  ToolchainError,
  waitForCluster,
} from '../infra/kafka/src/index.ts';

const root = resolve(import.meta.dirname, '..');
const say = (line: string) => console.log(`[npm start] ${line}`);

/** The contract's ports (shared/SERVICES.md), as in docker-compose.yml; others get one from 4200 up. */
const PORTS: Record<string, number> = {
  'anti-spam': 4101,
  'match-search': 4102,
  'edge-set': 4103,
  recommender: 4104,
  segmentation: 4105,
};

function servicesWithStartScript(): string[] {
  const dir = resolve(root, 'services');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter((name) => {
      try {
        const pkg = JSON.parse(readFileSync(resolve(dir, name, 'package.json'), 'utf8'));
        return typeof pkg.scripts?.start === 'string';
      } catch {
        return false;
      }
    })
    .sort();
}

interface RunningService {
  name: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startService(name: string, env: NodeJS.ProcessEnv): RunningService {
  // Own process group (detached), so stopping reaches npm, its shell and the node process below.
  const child = spawn('npm', ['start', '--silent', '-w', `services/${name}`], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => console.log(`[${name}] ${line}`));
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('error', (error) => {
      console.log(`[${name}] could not start: ${error.message}`);
      done({ code: 1, signal: null });
    });
    child.once('exit', (code, signal) => done({ code, signal }));
  });
  return { name, child, exited };
}

function signalGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  // The group may outlive its leader (npm exits before the service below it): signal it anyway.
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    // already gone
  }
}

/** True while any process of the service's group lives (npm exits before the node below it). */
function groupAlive(child: ChildProcess): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopService(service: RunningService): Promise<void> {
  // A service drains its processors and commits on SIGTERM (SHUTDOWN_TIMEOUT_MS, 30 s by default).
  const graceMs = 35_000;
  signalGroup(service.child, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(service.child) && Date.now() < deadline) await sleep(100);
  if (groupAlive(service.child)) {
    say(`${service.name} did not stop within ${graceMs / 1000} s: SIGKILL`);
    signalGroup(service.child, 'SIGKILL');
  }
  await service.exited;
}

async function main(): Promise<number> {
  let authSecret = process.env.AUTH_SECRET;
  if (!authSecret) {
    authSecret = randomBytes(24).toString('base64url');
    say(`AUTH_SECRET was not set; generated one for this run: ${authSecret}`);
  }

  let owned: DevBrokerStart | undefined;
  let brokers = parseBrokers(process.env.KAFKA_BROKERS);
  if (brokers) {
    say(`using the Kafka cluster at KAFKA_BROKERS=${brokers.join(',')}`);
    await waitForCluster(brokers, { timeoutMs: 30_000 });
  } else {
    say(
      'local Kafka broker: starting it unless it is running already (set KAFKA_BROKERS to use another cluster)',
    );
    const started = await startDevBroker({ detached: false, log: say });
    brokers = started.state.brokers;
    if (started.alreadyRunning) {
      say(
        `using the local broker that is already running (pid ${started.state.pid}); it keeps running afterwards`,
      );
    } else {
      owned = started;
    }
  }
  const address = brokers.join(',');
  say(`Kafka: ${address}    (export KAFKA_BROKERS=${address} to use it from another shell)`);

  let stopping: NodeJS.Signals | 'service-exit' | undefined;
  let wake!: () => void;
  const stopRequested = new Promise<void>((resolveStop) => {
    wake = resolveStop;
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = sig;
      say(`${sig}: stopping`);
      wake();
    });
  }

  const names = servicesWithStartScript();
  const services: RunningService[] = [];
  let exitCode = 0;
  if (names.length === 0) {
    say(
      'No services yet (no services/*/package.json with a "start" script). Kafka keeps running until Ctrl-C.',
    );
  } else {
    let nextPort = 4200;
    for (const name of names) {
      const port = PORTS[name] ?? nextPort++;
      say(`starting ${name} on http://127.0.0.1:${port}`);
      const service = startService(name, {
        ...process.env,
        KAFKA_BROKERS: address,
        AUTH_SECRET: authSecret,
        PORT: String(port),
      });
      services.push(service);
      void service.exited.then(({ code, signal }) => {
        if (stopping) return;
        stopping = 'service-exit';
        exitCode = code || 1;
        say(`${name} exited on its own (${signal ?? `code ${code}`}): stopping everything`);
        wake();
      });
    }
    say(
      `${services.length} service(s) started; Ctrl-C stops them and ${owned ? 'the broker' : 'leaves Kafka running'}`,
    );
  }

  await stopRequested;
  await Promise.all(services.map(stopService));
  if (owned && !owned.alreadyRunning) {
    say('stopping the local Kafka broker');
    await owned.broker.stop();
  }
  say('stopped');
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[npm start] ${error instanceof ToolchainError ? error.message : String(error)}`);
    process.exit(1);
  },
);
