export { pick, seeded } from '@showcase/simkit';
export { type EdgeSetEmitters, type EdgeSetViews, registerRoutes } from './api.ts';
export { createEdgeSet, type EdgeSet, type EdgeSetOptions } from './app.ts';
export { DEFAULT_PORT, type EdgeSetConfig, edgeSetEnv } from './config.ts';
export { applyInteraction, applyToRow, matchSince } from './edges.ts';
export * from './index-keys.ts';
export { listEdges, listMatches, parseCursor } from './lists.ts';
export type * from './model.ts';
export { type EdgePage, type GraphReader, type MatchPage, observeGraph } from './observe.ts';
export { batchOracle, type Comparison, compare, type Observed, type OracleResult } from './oracle.ts';
export { indexGroup } from './processors/edge-index.ts';
export { notifierGroup } from './processors/notifier.ts';
export { pairsGroup } from './processors/pairs.ts';
export {
  edgeSetTopology,
  groups,
  indexUpdates,
  notifications,
  pairLoop,
  type Topology,
  tables,
  topicSpecs,
  topology,
} from './topics.ts';
export { randomInteractions, type WorkloadOptions } from './workload.ts';
