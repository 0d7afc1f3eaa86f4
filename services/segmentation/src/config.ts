import { type ConfigOf, env, streamEnvSpec } from '@showcase/service-kit';
import { type FeatureConfig, defaultFeatureConfig as f } from './features.ts';
import { type ModelConfig, defaultModelConfig as m } from './model/state.ts';

export const DEFAULT_PORT = 4105;

/**
 * segmentation's own variables (the shared ones — PORT, HOST, AUTH_SECRET, LOG_LEVEL, … — come
 * from service-kit). Defaults were tuned on the simulator's population (README).
 */
export const segmentationEnv = {
  ...streamEnvSpec('segmentation'),
  SEGMENTS_MAX: env.int({
    default: m.maxSegments,
    min: 1,
    max: 64,
    doc: 'upper bound of the learned number of segments',
  }),
  SEGMENT_MIN_EVENTS: env.int({
    default: f.minEvents,
    min: 1,
    doc: 'own events before a user gets a segment',
  }),
  FEATURE_HALF_LIFE_EVENTS: env.number({
    default: f.halfLifeEvents,
    min: 1,
    doc: "half-life of every feature, in the user's own events",
  }),
  SAMPLE_EVERY: env.int({
    default: f.sampleEvery,
    min: 1,
    doc: 'a user is re-assigned and sent to the model every this many own events',
  }),
  SESSION_GAP_MINUTES: env.int({
    default: f.sessionGapMs / 60_000,
    min: 1,
    doc: 'a presence session with no own event for this many minutes is over (ended at its last event)',
  }),
  MODEL_HALF_LIFE_POINTS: env.number({
    default: m.halfLifePoints,
    min: 10,
    doc: 'half-life of segment weights and population statistics, in model points',
  }),
  MODEL_SEED: env.int({ default: m.seed, min: 0, doc: 'seed of the model (k-means++ seeding of splits)' }),
};

export type SegmentationConfig = ConfigOf<typeof segmentationEnv>;

export function featureConfig(c: SegmentationConfig): FeatureConfig {
  return {
    ...f,
    halfLifeEvents: c.FEATURE_HALF_LIFE_EVENTS,
    minEvents: c.SEGMENT_MIN_EVENTS,
    sampleEvery: c.SAMPLE_EVERY,
    sessionGapMs: c.SESSION_GAP_MINUTES * 60_000,
  };
}

export function modelConfig(c: SegmentationConfig): ModelConfig {
  return { ...m, maxSegments: c.SEGMENTS_MAX, halfLifePoints: c.MODEL_HALF_LIFE_POINTS, seed: c.MODEL_SEED };
}
