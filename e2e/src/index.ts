/** The e2e suite's helpers; the service-process ones live in service-kit's testing entry. */
export {
  ApiClient,
  brokers,
  eventually,
  freePort,
  type Reply,
  repoRoot,
  type ServiceProcess,
  type StartOptions,
  startService,
  TestSocket,
  type UsedService,
  useService,
} from '@showcase/service-kit/testing';
export { type PlatformInstance, type UsedPlatform, usePlatform } from './platform.ts';
