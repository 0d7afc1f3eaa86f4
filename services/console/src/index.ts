export { consoleEnv, DEFAULT_PORT, DEFAULT_SERVICES, parseServices, type Upstream } from './config.ts';
export type { ConsoleDeps } from './routes/deps.ts';
export { type ConsoleApp, type ConsoleOptions, consoleService, createConsole } from './service.ts';
