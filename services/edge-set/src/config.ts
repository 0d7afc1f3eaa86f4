import { type ConfigOf, env, streamEnvSpec } from '@showcase/service-kit';

export const DEFAULT_PORT = 4103;

/** edge-set's own variables (the shared ones — PORT, HOST, AUTH_SECRET, … — come from service-kit). */
export const edgeSetEnv = {
  ...streamEnvSpec('edge-set'),
  GUARANTEE: env.oneOf(['exactly-once', 'at-least-once'] as const, {
    default: 'exactly-once',
    doc: 'processing guarantee of the groups; exactly-once applies each interaction once also after a crash',
  }),
};

export type EdgeSetConfig = ConfigOf<typeof edgeSetEnv>;
