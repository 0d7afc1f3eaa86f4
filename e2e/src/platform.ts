import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, brokers, type ServiceProcess, startService } from '@showcase/service-kit/testing';

/** One instance of a service in a platform run: its process and a client for it. */
export interface PlatformInstance {
  readonly service: string;
  readonly index: number;
  readonly process: ServiceProcess;
  readonly api: ApiClient;
}

export interface UsedPlatform {
  readonly secret: string;
  /** A client of instance `index` (default 0) of `service`. */
  api(service: string, index?: number): ApiClient;
  instances(service: string): readonly PlatformInstance[];
  /** SIGKILL (no graceful stop): what a crashed or OOM-killed instance looks like. */
  kill(service: string, index: number): Promise<void>;
  /** Starts instance `index` again on its port and data dir (after `kill`). */
  restart(service: string, index: number): Promise<PlatformInstance>;
  /** Stops every instance and removes the data dirs; return it from `beforeAll`. */
  close(): Promise<void>;
}

/**
 * For a test file: starts several services (and `instances` of each, one consumer group per
 * service, own PORT and DATA_DIR per instance) on the setup's broker with one shared
 * AUTH_SECRET — the platform as `npm start -- --instances N` runs it. `scale` overrides the count
 * per service (e.g. `{ 'edge-set': 3 }` beside `instances: 2`), so that one start-up serves a
 * three-instance check of one service and a two-instance check of the rest. Services start one
 * after the other in the order given (each creates the topics it reads), instances of one service
 * in parallel, so that they join one consumer group together.
 *
 * Each instance listens on 127.0.0.1:<its port> and is reached there by the others too (routed
 * reads forward to the owner's advertised URL, which defaults to exactly that); a restart keeps
 * the port, so the URL the group knows stays valid.
 */
export async function usePlatform(
  services: readonly string[],
  options: {
    instances?: number;
    scale?: Readonly<Record<string, number>>;
    env?: Record<string, string>;
  } = {},
): Promise<UsedPlatform> {
  const secret = randomBytes(24).toString('base64url');
  const root = mkdtempSync(join(tmpdir(), 'e2e-platform-'));
  const running = new Map<string, PlatformInstance[]>();
  const countOf = (service: string) => options.scale?.[service] ?? options.instances ?? 1;
  for (const [service, n] of Object.entries(options.scale ?? {})) {
    if (!services.includes(service)) throw new Error(`scale names ${service}, which is not started`);
    if (!Number.isInteger(n) || n < 1) throw new Error(`scale of ${service} must be a positive integer`);
  }

  const launch = async (service: string, index: number, port?: number): Promise<PlatformInstance> => {
    const process_ = await startService(service, {
      ...(port !== undefined ? { port } : {}),
      env: {
        KAFKA_BROKERS: brokers(),
        AUTH_SECRET: secret,
        DATA_DIR: join(root, `${service}-${index}`),
        ...options.env,
      },
    });
    return { service, index, process: process_, api: new ApiClient(process_.url, secret) };
  };
  const all = () => [...running.values()].flat();
  const close = async () => {
    await Promise.all(all().map((i) => i.process.stop().catch(() => null)));
    rmSync(root, { recursive: true, force: true });
  };
  const instancesOf = (service: string): PlatformInstance[] => {
    const list = running.get(service);
    if (!list) throw new Error(`service ${service} is not part of this platform run`);
    return list;
  };

  try {
    for (const service of services) {
      const started = await Promise.allSettled(
        Array.from({ length: countOf(service) }, (_, i) => launch(service, i)),
      );
      running.set(
        service,
        started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])),
      );
      const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
    }
  } catch (error) {
    await close();
    throw error;
  }

  return {
    secret,
    api: (service, index = 0) => {
      const instance = instancesOf(service)[index];
      if (!instance) throw new Error(`${service} has no instance ${index}`);
      return instance.api;
    },
    instances: instancesOf,
    async kill(service, index) {
      const instance = instancesOf(service)[index];
      if (!instance) throw new Error(`${service} has no instance ${index}`);
      process.kill(instance.process.pid ?? -1, 'SIGKILL');
      await instance.process.exited;
    },
    async restart(service, index) {
      const list = instancesOf(service);
      const old = list[index];
      if (!old) throw new Error(`${service} has no instance ${index}`);
      await old.process.stop();
      const fresh = await launch(service, index, old.process.port);
      list[index] = fresh;
      return fresh;
    },
    close,
  };
}
