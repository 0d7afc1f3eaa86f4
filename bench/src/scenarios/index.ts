import type { Scenario } from '../scenario.ts';

/**
 * In run order: later scenarios may use earlier figures as baselines (3 uses 2's raw rate).
 * Loaded lazily, so that a child process loads only the scenario it runs (and, say, the consume
 * scenario's processes never load Fastify).
 */
const MODULES: Record<string, () => Promise<Scenario>> = {
  produce: async () => (await import('./produce.ts')).produce,
  consume: async () => (await import('./consume.ts')).consume,
  stateful: async () => (await import('./stateful.ts')).stateful,
  recovery: async () => (await import('./recovery.ts')).recovery,
  'view-reads': async () => (await import('./view-reads.ts')).viewReads,
  'end-to-end': async () => (await import('./end-to-end.ts')).endToEnd,
  http: async () => (await import('./http.ts')).http,
  'match-search': async () => (await import('./match-search.ts')).matchSearch,
  'edge-set': async () => (await import('./edge-set.ts')).edgeSet,
  recommender: async () => (await import('./recommender.ts')).recommender,
  segmentation: async () => (await import('./segmentation.ts')).segmentation,
  platform: async () => (await import('./platform.ts')).platform,
};

export const SCENARIO_NAMES: readonly string[] = Object.keys(MODULES);

export async function loadScenario(name: string): Promise<Scenario> {
  const load = MODULES[name];
  if (!load) throw new Error(`unknown scenario "${name}" (known: ${SCENARIO_NAMES.join(', ')})`);
  return load();
}
