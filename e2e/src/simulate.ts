/**
 * `npm run simulate -- <service> [--url http://127.0.0.1:<port>] [simulator options]`
 *
 * Without --url: provides a Kafka broker (KAFKA_BROKERS, or a throwaway one), starts the service
 * as a child process with a fresh data dir and a random AUTH_SECRET, runs the service's
 * simulator against it and stops both, also on failure or Ctrl-C.
 * With --url: drives that running service (loopback only); AUTH_SECRET must be its secret.
 * `--env KEY=VALUE` (repeatable) passes settings to a started service, e.g. detector thresholds.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { provideKafka } from '@showcase/kafka-infra';
import { repoRoot, type ServiceProcess, startService } from './harness.ts';

interface Simulator {
  usage: string;
  simulate(target: { url: string; secret: string }, args: string[]): Promise<unknown>;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name.startsWith('-')) {
    console.error(
      'usage: npm run simulate -- <service> [--url http://127.0.0.1:<port>] [--env K=V] [options]',
    );
    return 2;
  }
  const file = resolve(repoRoot, 'services', name, 'src', 'simulator', 'main.ts');
  if (!existsSync(file)) {
    console.error(`service "${name}" has no simulator (${file})`);
    return 2;
  }
  const simulator = (await import(pathToFileURL(file).href)) as Simulator;
  let url: string | undefined;
  const env: Record<string, string> = {};
  const args: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--url') url = rest[++i];
    else if (a === '--env') {
      const [k, ...v] = (rest[++i] ?? '').split('=');
      if (!k) throw new Error('--env needs KEY=VALUE');
      env[k] = v.join('=');
    } else if (a === '--help' || a === '-h') {
      console.log(simulator.usage);
      return 0;
    } else args.push(a);
  }

  if (url) {
    const secret = process.env.AUTH_SECRET;
    if (!secret) {
      console.error('--url needs AUTH_SECRET (the secret of the running service) in the environment');
      return 2;
    }
    await simulator.simulate({ url, secret }, args);
    return 0;
  }

  const say = (line: string) => console.log(`[simulate] ${line}`);
  const kafka = await provideKafka({ log: say });
  const dataDir = mkdtempSync(join(tmpdir(), `simulate-${name}-`));
  let service: ServiceProcess | undefined;
  const cleanup = async () => {
    await service?.stop().catch(() => undefined);
    await kafka.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const onSignal = () => {
    say('interrupted: stopping the service and the broker');
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const secret = randomBytes(24).toString('base64url');
    say(`starting ${name} on ${kafka.brokers.join(',')}`);
    service = await startService(name, {
      env: { KAFKA_BROKERS: kafka.brokers.join(','), AUTH_SECRET: secret, DATA_DIR: dataDir, ...env },
    });
    say(`${name} ready at ${service.url}`);
    await simulator.simulate({ url: service.url, secret }, args);
    return 0;
  } finally {
    await cleanup();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
