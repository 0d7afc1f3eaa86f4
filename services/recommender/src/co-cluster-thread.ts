import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FitReply, FitRequest } from './co-cluster-messages.ts';
import { type CoClusterConfig, CoClusterFit, type DecisionRow } from './co-clusters.ts';

/**
 * The worker file next to this module: co-cluster-worker.js when this module runs from dist/,
 * co-cluster-worker.ts when it runs from src/ (tsx, vitest).
 */
export function defaultWorkerUrl(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./co-cluster-worker${ext}`, import.meta.url);
}

/**
 * A worker that runs a TypeScript entry: on Node 20 tsx's loader (`tsx` CLI, `--import tsx`)
 * registers its hooks on the main thread only, so a worker started from src/ (tsx, vitest) could
 * not load .ts files. The worker registers tsx itself (its ESM API, found through tsx's own
 * exports map), then imports the entry.
 */
function tsBootstrap(entry: URL): string {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('tsx/package.json'));
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  const api = pathToFileURL(join(dir, manifest.exports['./esm/api']!.import.default)).href;
  return `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
}

/**
 * A worker thread that fits co-clusterings (co-cluster-worker.ts): started at the first fit,
 * one fit at a time (the caller waits for one before asking the next). A worker that fails or
 * exits rejects the fit in flight and is dropped; the next fit starts a new one.
 */
export class CoClusterThread {
  private worker: Worker | undefined;
  private nextId = 0;
  private pending:
    | { id: number; resolve: (fit: CoClusterFit) => void; reject: (error: Error) => void }
    | undefined;

  constructor(private readonly url: URL = defaultWorkerUrl()) {}

  fit(rows: readonly DecisionRow[], config: CoClusterConfig): Promise<CoClusterFit> {
    if (this.pending) return Promise.reject(new Error('a co-clustering fit is already in flight'));
    const worker = this.worker ?? this.start();
    const request: FitRequest = { id: ++this.nextId, rows, config };
    return new Promise((resolve, reject) => {
      this.pending = { id: request.id, resolve, reject };
      worker.postMessage(request);
    });
  }

  private start(): Worker {
    const worker = this.url.pathname.endsWith('.ts')
      ? new Worker(tsBootstrap(this.url), { eval: true })
      : new Worker(this.url);
    // A fit in flight is a pending promise, not a reason to keep the process alive on its own.
    worker.unref();
    worker.on('message', (reply: FitReply) => {
      const p = this.pending;
      if (!p || p.id !== reply.id) return;
      this.pending = undefined;
      if ('fit' in reply) p.resolve(CoClusterFit.fromParts(reply.fit));
      else p.reject(new Error(`co-clustering worker: ${reply.error}`));
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      void worker.terminate();
      const p = this.pending;
      this.pending = undefined;
      p?.reject(error);
    };
    worker.on('error', fail);
    worker.on('messageerror', fail);
    worker.on('exit', (code) => fail(new Error(`co-clustering worker exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  /** Stops the worker; a fit in flight is rejected. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(new Error('co-clustering worker closed'));
    if (worker) await worker.terminate();
  }
}
