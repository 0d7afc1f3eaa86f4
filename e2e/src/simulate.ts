/**
 * `npm run simulate -- <service> [--url http://127.0.0.1:<port>] [simulator options]`
 * `npm run simulate -- platform [--quick]`: all five services at once (platform-simulator/).
 *
 * Without --url: provides a Kafka broker (KAFKA_BROKERS, or a throwaway one), starts the
 * service — and every other service its simulator declares in `services` (e.g. recommender's
 * simulator swipes through edge-set) — as child processes with fresh data dirs and one random
 * AUTH_SECRET, runs the simulator against them and stops all of it, also on failure or Ctrl-C.
 * With --url: drives running services (loopback only); AUTH_SECRET must be their secret.
 * `--url URL` names the simulated service, `--url name=URL` (repeatable) any other.
 * `--env KEY=VALUE` (repeatable) passes settings to the started services, e.g. detector thresholds.
 * `--resources <seconds>` (with started services) samples every service's and the broker's RSS,
 * sockets, event-loop delay and data dir (and a service's heap, external memory and LevelDB logs) that often and prints their growth at the end (a soak:
 * `npm run simulate -- platform --seconds 1800 --rate 150 --resources 60`); `--resources-json
 * FILE` also writes every sample.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { provideKafka } from '@showcase/kafka-infra';
import { repoRoot, type ServiceProcess, startService } from '@showcase/service-kit/testing';
import { exitWhenWritten } from '@showcase/simkit';
import { growthWindowMs, ResourceSampler, renderGrowth } from './resource-sampler.ts';

/** Where the simulator finds the services: `url` is the simulated one's, `urls` has every one. */
export interface SimulationTarget {
  readonly url: string;
  readonly urls: Readonly<Record<string, string>>;
  readonly secret: string;
}

interface Simulator {
  usage: string;
  /** Services to start, in start order; default: just the simulated one. */
  services?: readonly string[];
  simulate(target: SimulationTarget, args: string[]): Promise<unknown>;
  /** Throws on bad options before anything is started (optional). */
  validate?(args: string[]): void;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name.startsWith('-')) {
    console.error(
      'usage: npm run simulate -- <service> [--url http://127.0.0.1:<port>] [--env K=V] [options]',
    );
    return 2;
  }
  // `platform` is the whole platform's simulator (all five services at once); the rest are a
  // service's own.
  const file =
    name === 'platform'
      ? resolve(import.meta.dirname, 'platform-simulator', 'main.ts')
      : resolve(repoRoot, 'services', name, 'sim', 'main.ts');
  if (!existsSync(file)) {
    console.error(`service "${name}" has no simulator (${file})`);
    return 2;
  }
  const simulator = (await import(pathToFileURL(file).href)) as Simulator;
  const services = simulator.services ?? [name];
  if (name !== 'platform' && !services.includes(name))
    throw new Error(`simulator of ${name} must list "${name}" in its services`);
  const urls: Record<string, string> = Object.create(null) as Record<string, string>;
  const env: Record<string, string> = {};
  const args: string[] = [];
  let resourcesEverySeconds: number | undefined;
  let resourcesJson: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--url') {
      const value = rest[++i] ?? '';
      const named = /^([a-z-]+)=(.+)$/.exec(value);
      if (named) urls[named[1]!] = named[2]!;
      else urls[name] = value;
    } else if (a === '--env') {
      const [k, ...v] = (rest[++i] ?? '').split('=');
      if (!k) throw new Error('--env needs KEY=VALUE');
      env[k] = v.join('=');
    } else if (a === '--resources') {
      const raw = rest[++i];
      resourcesEverySeconds = Number(raw);
      if (
        !Number.isInteger(resourcesEverySeconds) ||
        resourcesEverySeconds < 1 ||
        resourcesEverySeconds > 3600
      )
        throw new Error(`--resources must be seconds between samples in [1, 3600], got ${raw}`);
    } else if (a === '--resources-json') {
      resourcesJson = rest[++i];
      if (!resourcesJson) throw new Error('--resources-json needs a file');
    } else if (a === '--help' || a === '-h') {
      console.log(simulator.usage);
      return 0;
    } else args.push(a);
  }

  simulator.validate?.(args);

  if (Object.keys(urls).length > 0) {
    const secret = process.env.AUTH_SECRET;
    const missing = services.filter((s) => !urls[s]);
    if (!secret || missing.length > 0) {
      console.error(
        `--url needs AUTH_SECRET (the services' secret) in the environment and a URL for ${services.join(', ')}` +
          (missing.length > 0 ? ` (missing: ${missing.join(', ')}; use --url name=URL)` : ''),
      );
      return 2;
    }
    await simulator.simulate({ url: urls[name] ?? urls[services[0]!]!, urls, secret }, args);
    return 0;
  }

  const say = (line: string) => console.log(`[simulate] ${line}`);
  const kafka = await provideKafka({ log: say });
  const dataDir = mkdtempSync(join(tmpdir(), `simulate-${name}-`));
  const started: ServiceProcess[] = [];
  const cleanup = async () => {
    await Promise.all(started.map((s) => s.stop().catch(() => undefined)));
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
    for (const service of services) {
      say(`starting ${service} on ${kafka.brokers.join(',')}`);
      const child = await startService(service, {
        env: {
          KAFKA_BROKERS: kafka.brokers.join(','),
          AUTH_SECRET: secret,
          DATA_DIR: join(dataDir, service),
          ...env,
        },
      });
      started.push(child);
      urls[service] = child.url;
      say(`${service} ready at ${child.url}`);
    }
    const sampler =
      resourcesEverySeconds === undefined
        ? undefined
        : new ResourceSampler(
            [
              ...started.map((s) => ({
                name: s.name,
                pid: s.pid ?? -1,
                url: s.url,
                dataDir: join(dataDir, s.name),
                levelDb: true,
                errors: () => s.loggedErrors(),
              })),
              ...(kafka.broker
                ? [{ name: 'broker', pid: kafka.broker.pid, dataDir: kafka.broker.dataDir }]
                : []),
            ],
            resourcesEverySeconds * 1000,
            (line) => say(line),
          );
    const began = Date.now();
    sampler?.start();
    try {
      await simulator.simulate({ url: urls[name] ?? urls[services[0]!]!, urls, secret }, args);
    } finally {
      await sampler?.stop();
    }
    if (sampler) {
      const windowMin = growthWindowMs(Date.now() - began) / 60_000;
      const growth = sampler.growth();
      console.log(`\n${renderGrowth(growth, windowMin)}`);
      if (resourcesJson) {
        writeFileSync(
          resourcesJson,
          `${JSON.stringify({ everySeconds: resourcesEverySeconds, growth, samples: Object.fromEntries(sampler.all()) }, null, 2)}\n`,
        );
      }
    }
    return 0;
  } finally {
    await cleanup();
  }
}

main(process.argv.slice(2)).then(
  (code) => exitWhenWritten(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    exitWhenWritten(1);
  },
);
