export { ApiClient, eventually, type Reply, TestSocket } from './client.ts';
export { freePort, repoRoot, type ServiceProcess, type StartOptions, startService } from './harness.ts';
export { type PlatformInstance, type UsedPlatform, usePlatform } from './platform.ts';
export { brokers, type UsedService, useService } from './vitest.ts';
