import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from './client.ts';
import { type ServiceProcess, type StartOptions, startService } from './service-process.ts';

/** The broker of the integration global setup (infra/kafka). */
export function brokers(): string {
  const value = process.env.KAFKA_BROKERS;
  if (!value)
    throw new Error(
      'KAFKA_BROKERS is not set: tests that start services run as *.int.test.ts under the infra/kafka global setup',
    );
  return value;
}

export interface UsedService {
  /** The running process (changes after `restart`). */
  readonly current: ServiceProcess;
  readonly api: ApiClient;
  readonly secret: string;
  readonly dataDir: string;
  /** Graceful stop (expects exit 0) and start again; `freshDataDir` drops the local state. */
  restart(options?: { freshDataDir?: boolean }): Promise<{ exitCode: number | null }>;
  /** Stops the process and removes the data dirs; return it from `beforeAll`. */
  close(): Promise<void>;
}

/**
 * For a test file: starts the service (its own data dir, a random AUTH_SECRET, the setup's
 * broker). Use as `beforeAll(async () => { svc = await useService('x'); return svc.close; })`:
 * vitest runs the returned teardown after the file's tests, also when they failed.
 */
export async function useService(name: string, options: StartOptions = {}): Promise<UsedService> {
  const secret = randomBytes(24).toString('base64url');
  const dirs: string[] = [];
  const newDir = () => {
    const dir = mkdtempSync(join(tmpdir(), `e2e-${name}-`));
    dirs.push(dir);
    return dir;
  };
  let dataDir = newDir();
  const launch = (port?: number) =>
    startService(name, {
      ...options,
      ...(port !== undefined ? { port } : {}),
      env: { KAFKA_BROKERS: brokers(), AUTH_SECRET: secret, DATA_DIR: dataDir, ...options.env },
    });
  let current: ServiceProcess | undefined;
  const close = async () => {
    await current?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    current = await launch();
  } catch (error) {
    await close();
    throw error;
  }
  const api = new ApiClient(current.url, secret);
  return {
    get current() {
      return current!;
    },
    api,
    secret,
    get dataDir() {
      return dataDir;
    },
    close,
    async restart(restartOptions = {}) {
      const exitCode = await current!.stop();
      const port = current!.port;
      current = undefined;
      if (restartOptions.freshDataDir) dataDir = newDir();
      current = await launch(port);
      return { exitCode };
    },
  };
}
