import { decisionRow } from './co-cluster-messages.ts';
import { CoClusterThread } from './co-cluster-thread.ts';
import { type CoClusterConfig, type CoClusterFit, fitCoClusters } from './co-clusters.ts';
import type { ModelRow } from './model.ts';

/** What the fitter reads of the model table's mirror (goka's TableMirror). */
export interface ModelSource {
  readonly version: number;
  entries(): IterableIterator<[string, ModelRow]>;
  onChange(listener: () => void): () => void;
}

export interface ClusterFitterOptions {
  /**
   * 'worker': fit in a worker thread (co-cluster-thread.ts), so a fit of seconds does not stall
   * the service's requests and learner; what the service runs. 'inline' (the default): fit
   * synchronously in refit(), for tests and the offline simulator, which want the fit at once.
   */
  readonly mode?: 'inline' | 'worker';
  /** The worker thread to fit in (tests: a failing one); mode 'worker' only. */
  readonly thread?: CoClusterThread;
}

/**
 * Keeps the co-clustering (co-clusters.ts) of the model mirror current: after a change it
 * refits at most once per `intervalMs`, off the request path, so a request reads the latest fit
 * and pays only a dot product per candidate. The fit is a function of the mirrored table, so
 * every instance serves the same clusters once their mirrors agree.
 *
 * In mode 'worker' one fit is in flight at a time: the rows are sent to the worker, the fit is
 * swapped in when it arrives; a change during a fit schedules the next one. A failed fit is
 * reported to `onError` and the previous fit keeps serving; a retry is scheduled after the
 * interval, and that refit starts a new worker.
 */
export class ClusterFitter {
  private fit: CoClusterFit | undefined;
  private fitted = 0;
  private lastFitAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private closed = false;
  private readonly unsubscribe: () => void;
  private readonly thread: CoClusterThread | undefined;

  constructor(
    private readonly model: ModelSource,
    private readonly config: CoClusterConfig,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void = () => {},
    options: ClusterFitterOptions = {},
  ) {
    this.thread = options.mode === 'worker' ? (options.thread ?? new CoClusterThread()) : undefined;
    this.unsubscribe = model.onChange(() => this.schedule());
  }

  current(): CoClusterFit | undefined {
    return this.fit;
  }

  /** Model table changes not in the fit yet (0: current). */
  get behind(): number {
    return this.model.version - this.fitted;
  }

  private schedule(): void {
    // A fit in flight schedules the next one itself when it ends (if the table moved on).
    if (this.timer || this.inFlight || this.closed) return;
    const wait = Math.max(0, this.lastFitAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refit();
    }, wait);
  }

  /**
   * Fits now (tests and the simulator's in-process drivers call it too). Inline: the fit is in
   * place when this returns. Worker: resolves when the fit has arrived and been swapped in, or
   * failed (reported to onError); a call while a fit is in flight only waits for nothing.
   */
  refit(): Promise<void> {
    if (!this.thread) {
      const version = this.model.version;
      try {
        this.fit = fitCoClusters(
          Array.from(this.model.entries(), ([, row]) => row),
          this.config,
        );
        this.fitted = version;
      } catch (error) {
        this.onError(error);
      }
      this.done(version);
      return Promise.resolve();
    }
    if (this.inFlight || this.closed) return Promise.resolve();
    return this.refitInWorker(this.thread);
  }

  private async refitInWorker(thread: CoClusterThread): Promise<void> {
    this.inFlight = true;
    const version = this.model.version;
    let failed = false;
    try {
      const rows = Array.from(this.model.entries(), ([, row]) => decisionRow(row));
      const fit = await thread.fit(rows, this.config);
      if (!this.closed) {
        this.fit = fit;
        this.fitted = version;
      }
    } catch (error) {
      if (!this.closed) this.onError(error);
      failed = true;
    } finally {
      this.inFlight = false;
    }
    // A lost worker is no reason to stay behind until the table changes again: retry (with a
    // new worker) after the interval.
    this.done(version, failed);
  }

  private done(version: number, retry = false): void {
    this.lastFitAt = Date.now();
    if (retry || this.model.version !== version) this.schedule();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.thread?.close();
  }
}
