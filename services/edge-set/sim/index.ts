/**
 * What other packages reuse of the edge-set simulator (e2e, the platform simulator): the batch
 * oracle, reading the graph back, random workloads. `@showcase/edge-set/sim`; not part of the
 * service's build: sim/ runs from sources only.
 */
export { type EdgePage, type GraphReader, type MatchPage, observeGraph } from './observe.ts';
export { batchOracle, type Comparison, compare, type Observed, type OracleResult } from './oracle.ts';
export { settleOnOracle } from './settle.ts';
export { randomInteractions, type WorkloadOptions } from './workload.ts';
