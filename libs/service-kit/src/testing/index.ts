/**
 * Test helpers for services: `import { assertFuzzClean, useService } from '@showcase/service-kit/testing'`.
 * Route fuzzing in-process; a service of this repository as its own process (useService,
 * startService), its HTTP / WebSocket client, and `eventually` for eventual consistency.
 */
export { ApiClient, eventually, type Reply, TestSocket } from './client.ts';
export {
  assertFuzzClean,
  type FuzzFailure,
  type FuzzOptions,
  type FuzzReport,
  type FuzzRoute,
  fuzzRoutes,
  routesOf,
} from './fuzz.ts';
export {
  freePort,
  repoRoot,
  type ServiceProcess,
  type StartOptions,
  startService,
} from './service-process.ts';
export { brokers, type UsedService, useService } from './use-service.ts';
