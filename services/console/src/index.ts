export { type ConsoleApp, type ConsoleOptions, createConsole } from './app.ts';
export { consoleEnv, DEFAULT_PORT, DEFAULT_SERVICES, parseServices, type Upstream } from './config.ts';
