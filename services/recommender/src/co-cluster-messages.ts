import type { CoClusterConfig, CoClusterFitParts, DecisionRow } from './co-clusters.ts';

/**
 * The messages between ClusterFitter and its worker thread (co-cluster-worker.ts). A request
 * carries only what fitCoClusters reads of a row (id, liked, passed: no vectors, no in-lists),
 * as structured clone; a reply carries the fit's typed arrays, whose buffers are transferred.
 */
export interface FitRequest {
  readonly id: number;
  readonly rows: readonly DecisionRow[];
  readonly config: CoClusterConfig;
}

export type FitReply =
  | { readonly id: number; readonly fit: CoClusterFitParts }
  | { readonly id: number; readonly error: string };

/** A row reduced to what a fit reads (drops the model's vectors, biases and in-lists). */
export function decisionRow(row: DecisionRow): DecisionRow {
  return {
    user: row.user,
    ...(row.liked ? { liked: row.liked } : {}),
    ...(row.passed ? { passed: row.passed } : {}),
  };
}

/** The buffers of a fit's arrays, to transfer them instead of copying. */
export function fitBuffers(fit: CoClusterFitParts): ArrayBuffer[] {
  return [fit.taste, fit.appeal, fit.theta, fit.tasteShare, fit.appealShare].map(
    (a) => a.buffer as ArrayBuffer,
  );
}
