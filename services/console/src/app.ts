import { createService, type Logger, type Service } from '@showcase/service-kit';
import { registerConsoleRoutes } from './api.ts';
import { consoleEnv, DEFAULT_PORT, parseServices, type Upstream } from './config.ts';
import { registerStaticRoutes } from './static.ts';

export interface ConsoleOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: Logger;
}

export interface ConsoleApp {
  readonly service: Service<typeof consoleEnv>;
  readonly upstreams: readonly Upstream[];
}

/** The console: no Kafka of its own, only the admin APIs of the services it is pointed at. */
export async function createConsole(options: ConsoleOptions = {}): Promise<ConsoleApp> {
  const service = await createService({
    name: 'console',
    port: DEFAULT_PORT,
    description: 'Watch and query the running platform: topology, groups, tables, dead letters',
    config: consoleEnv,
    ...(options.env ? { env: options.env } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const upstreams = parseServices(service.config.CONSOLE_SERVICES);
  registerStaticRoutes(service);
  registerConsoleRoutes(service, upstreams, service.config);
  return { service, upstreams };
}
