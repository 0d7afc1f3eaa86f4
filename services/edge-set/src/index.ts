export { DEFAULT_PORT, type EdgeSetConfig, edgeSetEnv } from './config.ts';
export { applyInteraction, applyToRow, matchSince } from './edges.ts';
export * from './index-keys.ts';
export { listEdges, listMatches, parseCursor } from './lists.ts';
export type * from './model.ts';
export { indexGroup } from './processors/edge-index.ts';
export { notifierGroup } from './processors/notifier.ts';
export { pairsGroup } from './processors/pairs.ts';
export type {
  EdgeSetDeps,
  EdgeSetEmitters,
  EdgeSetRouted,
  EdgeSetTables,
  EdgeSetViews,
  EdgeSetWrites,
} from './routes/deps.ts';
export {
  createEdgeSet,
  type EdgeSet,
  type EdgeSetOptions,
  edgeSet,
  edgeSetService,
  topicSpecs,
} from './service.ts';
export {
  edgeSetTopology,
  groups,
  indexUpdates,
  notifications,
  pairLoop,
  type Topology,
  tables,
  topology,
} from './topics.ts';
