import { mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';

/**
 * A readiness condition besides the components: `problem()` says why the service must not take
 * traffic right now, undefined when nothing is wrong.
 */
export interface ReadinessCheck {
  readonly name: string;
  problem(): string | undefined;
}

/** Writes a probe into `dir` and syncs it to disk; rejects as the disk does (ENOSPC, EROFS, EACCES, EIO). */
export type DataDirProbe = (dir: string) => Promise<void>;

/**
 * One block, synced: a full disk refuses it (ext4 and xfs reserve nothing for a non-root
 * writer's fsync), a read-only remount or a lost volume too. Small enough to be noise.
 */
const PROBE_BYTES = 4096;

export const probeDataDir: DataDirProbe = async (dir) => {
  await mkdir(dir, { recursive: true });
  const file = join(dir, '.readiness-probe');
  const handle = await open(file, 'w');
  try {
    await handle.write(Buffer.alloc(PROBE_BYTES));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await unlink(file);
};

/**
 * Issue 26, "disk and data": a data dir that fills up or becomes unwritable makes the service
 * not ready, with the reason (`data dir /x is not writable: ENOSPC: no space left on device`),
 * and ready again once a probe succeeds — the load balancer stops sending writes meanwhile.
 *
 * The stores themselves are goka's: a table write or open that the disk refuses stalls that
 * partition (goka starts it over with a backoff until the store takes writes again; nothing
 * acknowledged is lost, a store is never ahead of its changelog), and /readyz names the group,
 * partition and error meanwhile (ops-routes.ts). This probe tells the same story for the data
 * dir as a whole, also before a store noticed.
 */
export class DataDirCheck implements ReadinessCheck {
  readonly name = 'data-dir';
  private failure: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private probing: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
    private readonly options: { readonly intervalMs?: number; readonly probe?: DataDirProbe } = {},
  ) {}

  problem(): string | undefined {
    return this.failure;
  }

  /** Probes now, then every `intervalMs` (default 5 s) until `stop()`. */
  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.options.intervalMs ?? 5_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.probing;
  }

  /** One probe (never two at once); records and logs a change of state. */
  check(): Promise<void> {
    this.probing ??= this.probeOnce().finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  private async probeOnce(): Promise<void> {
    const probe = this.options.probe ?? probeDataDir;
    try {
      await probe(this.dir);
      if (this.failure) this.logger.info({ dir: this.dir }, 'data dir writable again: ready');
      this.failure = undefined;
    } catch (error) {
      const err = error as NodeJS.ErrnoException;
      // Node's fs messages start with the code already ("ENOSPC: no space left on device, write").
      const what =
        err.code && !err.message.startsWith(err.code) ? `${err.code}: ${err.message}` : err.message;
      const reason = `data dir ${this.dir} is not writable: ${what}`;
      if (this.failure !== reason) this.logger.error({ err, dir: this.dir }, `${reason}; not ready`);
      this.failure = reason;
    }
  }
}
