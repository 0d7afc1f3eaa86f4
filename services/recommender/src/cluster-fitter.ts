import { type CoClusterConfig, type CoClusterFit, fitCoClusters } from './co-clusters.ts';
import type { ModelRow } from './model.ts';

/** What the fitter reads of the model table's mirror (goka's TableMirror). */
export interface ModelSource {
  readonly version: number;
  entries(): IterableIterator<[string, ModelRow]>;
  onChange(listener: () => void): () => void;
}

/**
 * Keeps the co-clustering (co-clusters.ts) of the model mirror current: after a change it
 * refits at most once per `intervalMs`, off the request path, so a request reads the latest fit
 * and pays only a dot product per candidate. The fit is a function of the mirrored table, so
 * every instance serves the same clusters once their mirrors agree.
 */
export class ClusterFitter {
  private fit: CoClusterFit | undefined;
  private fitted = 0;
  private lastFitAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly model: ModelSource,
    private readonly config: CoClusterConfig,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
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
    if (this.timer) return;
    const wait = Math.max(0, this.lastFitAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refit();
    }, wait);
  }

  /** Fits now (also for tests and the simulator's in-process drivers). */
  refit(): void {
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
    this.lastFitAt = Date.now();
    if (this.model.version !== version) this.schedule();
  }

  close(): void {
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
