/**
 * The platform as `npm start` runs it: every service a Node process of its own
 * (`node --conditions=dist services/<name>/dist/main.js` after one build, or tsx on src with
 * START_FROM=src — the end-to-end suite's launcher, so there is no third way to start a service), one broker, one AUTH_SECRET, a data dir each. They
 * start at once, as `npm start` starts them; the call returns when every one answers /readyz.
 * Ports are free ones, never the default 4101–4105 (a platform may be running there).
 * KAFKA_PRODUCER, KAFKA_READER and the like pass through from the environment, as with npm start.
 * The console is not started: it has no consumer group and no write route, and reads the same
 * /admin/groups this scenario polls.
 */
import { join } from 'node:path';
import { type ServiceProcess, startService } from '@showcase/service-kit/testing';

export const PLATFORM_SERVICES = [
  'anti-spam',
  'match-search',
  'edge-set',
  'recommender',
  'segmentation',
] as const;

const START_ATTEMPTS = 3;

export interface Platform {
  readonly services: readonly ServiceProcess[];
  stop(): Promise<void>;
}

export async function startPlatform(o: {
  brokers: readonly string[];
  secret: string;
  dataDir: string;
  partitions: number;
  log: (line: string) => void;
  /** More environment for every service (a lever under test: NODE_OPTIONS, KAFKA_* …). */
  env?: Readonly<Record<string, string>>;
}): Promise<Platform> {
  const started = await Promise.allSettled(
    PLATFORM_SERVICES.map(async (name) => {
      const began = Date.now();
      for (let attempt = 1; ; attempt++) {
        try {
          const service = await startService(name, {
            readyTimeoutMs: 300_000,
            env: {
              KAFKA_BROKERS: o.brokers.join(','),
              AUTH_SECRET: o.secret,
              DATA_DIR: join(o.dataDir, name),
              PARTITIONS: String(o.partitions),
              LOG_LEVEL: 'warn',
              ...o.env,
            },
          });
          o.log(
            `${name} ready at ${service.url} (pid ${service.pid}) in ${((Date.now() - began) / 1000).toFixed(1)} s`,
          );
          return service;
        } catch (error) {
          // Services that start together race to create the topics they share; one that loses
          // may exit, and `npm start`'s supervisor starts it again. So does this, a few times.
          const text = error instanceof Error ? error.message : String(error);
          if (attempt >= START_ATTEMPTS) throw error;
          o.log(
            `${name} failed to start (attempt ${attempt} of ${START_ATTEMPTS}), again: ${text.slice(-1500)}`,
          );
        }
      }
    }),
  );
  const services = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async () => {
    await Promise.all(services.map((s) => s.stop(30_000).catch(() => null)));
  };
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { services, stop };
}
