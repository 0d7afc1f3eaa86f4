import { type BuiltService, buildService, defineService, type ServiceHost } from '@showcase/service-kit';
import { consoleEnv, DEFAULT_PORT, parseServices, type Upstream } from './config.ts';
import { liveRoutes } from './routes/live.ts';
import { overviewRoutes } from './routes/overview.ts';
import { pageRoutes } from './routes/page.ts';
import { tableRoutes } from './routes/tables.ts';

/**
 * The console, declared: no groups, views or emitters (so no Kafka of its own), only the admin
 * APIs of the services it is pointed at (CONSOLE_SERVICES) and the page that shows them.
 */
export const consoleService = defineService({
  name: 'console',
  port: DEFAULT_PORT,
  description: 'Watch and query the running platform: topology, groups, tables, dead letters',
  env: consoleEnv,
  context: ({ config, service }) => {
    const upstreams = parseServices(config.CONSOLE_SERVICES);
    service.logger.info({ services: upstreams.map((u) => `${u.name}=${u.url}`) }, 'console watches');
    return { upstreams };
  },
  routes: [pageRoutes, overviewRoutes, tableRoutes, liveRoutes],
});

export type ConsoleOptions = Partial<Pick<ServiceHost, 'env' | 'logger'>>;
export type ConsoleApp = BuiltService<
  typeof consoleEnv,
  Record<never, never>,
  Record<never, never>,
  never,
  { readonly upstreams: readonly Upstream[] }
>;

/** The console in-process (tests); `service.start()` runs it. */
export const createConsole = (options: ConsoleOptions = {}): Promise<ConsoleApp> =>
  buildService(consoleService, options);
