import { parentPort } from 'node:worker_threads';
import { type FitReply, type FitRequest, fitBuffers } from './co-cluster-messages.ts';
import { fitCoClusters } from './co-clusters.ts';

/**
 * The worker thread of ClusterFitter (cluster-fitter.ts, mode 'worker'): fits the co-clustering
 * off the service's event loop, one request at a time, and replies with the fit's arrays
 * (transferred, not copied). Started with `new Worker(new URL('./co-cluster-worker.js' | '.ts',
 * import.meta.url))`, so it runs from dist/ and, through tsx, from src/.
 */
const port = parentPort;
if (!port) throw new Error('co-cluster-worker.ts runs as a worker thread only');

port.on('message', (request: FitRequest) => {
  let reply: FitReply;
  try {
    const fit = fitCoClusters(request.rows, request.config).parts();
    reply = { id: request.id, fit };
    port.postMessage(reply, fitBuffers(fit));
  } catch (error) {
    reply = {
      id: request.id,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
    port.postMessage(reply);
  }
});
