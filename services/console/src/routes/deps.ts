import type { ServiceDeps } from '@showcase/service-kit';
import type { consoleEnv, Upstream } from '../config.ts';

/** What every console route plugin receives: no views or emitters, the services it watches. */
export type ConsoleDeps = ServiceDeps<
  typeof consoleEnv,
  Record<never, never>,
  Record<never, never>,
  { readonly upstreams: readonly Upstream[] }
>;
