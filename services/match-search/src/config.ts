import { env, streamEnvSpec } from '@showcase/service-kit';

export const DEFAULT_PORT = 4102;

/** match-search's own variables (PORT, HOST, AUTH_SECRET, LOG_LEVEL, … come from service-kit). */
export const matchSearchEnv = {
  ...streamEnvSpec('match-search'),
  GRID_CELL_DEG: env.number({
    default: 0.25,
    min: 0.01,
    max: 90,
    doc: 'cell edge of the in-memory geo grid in degrees (see libs/geo README for the trade-off)',
  }),
};
