import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GroupHosts, ProcessorStats } from '../../src/index.ts';

const script = resolve(import.meta.dirname, 'tally-instance.ts');
const packageDir = resolve(import.meta.dirname, '..', '..');

export interface InstanceStats extends ProcessorStats {
  readonly instance: string;
  readonly pid: number;
  readonly at: number;
  readonly owned: number[];
  readonly error?: string;
  readonly started?: boolean;
  readonly exited?: number;
  /** Commits of this incarnation the group coordinator rejected (it had lost its membership). */
  readonly commitsRejected?: number;
  /** Times this incarnation rejoined its group as a new member after it had been expelled. */
  readonly rejoinedAsNew?: number;
  /** Exactly-once: transactions of this incarnation that failed (fenced) and restarted their partition. */
  readonly transactionsFailed?: number;
  /** Routed instances: the group's host map as this incarnation knows it (null: unknown). */
  readonly hosts?: GroupHosts | null;
}

export interface InstanceConfig {
  readonly brokers: readonly string[];
  readonly group: string;
  readonly topic: string;
  /** Working dir of the test: stores and stats files live below it. */
  readonly dir: string;
  readonly standby?: boolean;
  readonly guarantee?: 'at-least-once' | 'exactly-once';
  readonly sessionTimeoutMs?: number;
  /** `edges`: the table+loopback group of support/edge-group.ts; default the tally group. */
  readonly kind?: 'tally' | 'edges';
  /** Routed reads: each instance publishes `endpointOf(name)`. */
  readonly routed?: boolean;
}

/** The endpoint a routed instance publishes (never listened on: the map is what is tested). */
export const endpointOf = (name: string) => `http://${name}.test:1`;

/**
 * A tally processor instance running as a child process (support/tally-instance.ts): it can be
 * SIGKILLed and started again on the same store dir. Every start is a new incarnation with a
 * name of its own (`b#3`), which the instance writes into the values it produces. With
 * `GOKA_DIAG_DIR` set, each incarnation's whole output goes to `<dir>/<incarnation>.log` too
 * (run with LOG_LEVEL=warn to see its warnings: rejected commits, rejoins).
 */
export class Instance {
  private child: ChildProcess | undefined;
  private exit: Promise<void> | undefined;
  private incarnation = 0;
  readonly store: string;
  private output = '';

  constructor(
    readonly name: string,
    private readonly config: InstanceConfig,
  ) {
    this.store = join(config.dir, `store-${name}`);
    mkdirSync(config.dir, { recursive: true });
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get current(): string {
    return `${this.name}#${this.incarnation}`;
  }

  private get statsFile(): string {
    return join(this.config.dir, `stats-${this.name}.json`);
  }

  start(): void {
    if (this.child) throw new Error(`instance ${this.name} is running`);
    this.incarnation++;
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: packageDir,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        ...process.env,
        GOKA_BROKERS: this.config.brokers.join(','),
        GOKA_GROUP: this.config.group,
        GOKA_TOPIC: this.config.topic,
        GOKA_STORE: this.store,
        GOKA_INSTANCE: this.current,
        GOKA_STATS: this.statsFile,
        GOKA_STANDBY: this.config.standby ? '1' : '0',
        GOKA_GUARANTEE: this.config.guarantee ?? 'at-least-once',
        GOKA_SESSION_MS: String(this.config.sessionTimeoutMs ?? 6_000),
        GOKA_KIND: this.config.kind ?? 'tally',
        ...(this.config.routed ? { GOKA_ENDPOINT: endpointOf(this.name) } : {}),
      },
    });
    const keep = (chunk: Buffer) => {
      if (process.env.GOKA_DIAG_DIR)
        appendFileSync(join(process.env.GOKA_DIAG_DIR, `${this.current}.log`), chunk);
      this.output = (this.output + chunk.toString()).slice(-4_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', () => undefined); // the IPC channel errors when the child is killed
    this.child = child;
    this.exit = new Promise((done) => child.once('exit', () => done()));
  }

  /** Stats the instance wrote last (stale by up to 100 ms), undefined before its first write. */
  stats(): InstanceStats | undefined {
    try {
      const stats = JSON.parse(readFileSync(this.statsFile, 'utf8')) as InstanceStats;
      return stats.instance === this.current ? stats : undefined;
    } catch {
      return undefined;
    }
  }

  /** The tail of what the child printed, for failure messages. */
  get log(): string {
    return this.output;
  }

  /** SIGSTOP: the process freezes (as in a long GC pause or a starved machine) until resume(). */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    await this.exit;
    this.child = undefined;
  }

  /**
   * SIGTERM: the instance drains, commits and leaves the group; SIGKILL if it takes too long.
   * Resolves whether it exited on its own within `graceMs`.
   */
  async stop(graceMs = 60_000): Promise<boolean> {
    const child = this.child;
    if (!child) return true;
    child.kill('SIGTERM');
    const exited = await Promise.race([this.exit!.then(() => true), sleep(graceMs).then(() => false)]);
    if (!exited) await this.kill();
    this.child = undefined;
    return exited;
  }

  /** Waits until this incarnation runs with its partitions recovered. */
  async whenRunning(timeoutMs = 60_000): Promise<InstanceStats> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const stats = this.stats();
      if (stats?.exited !== undefined || stats?.state === 'failed') {
        throw new Error(`instance ${this.current} ${stats.state}: ${stats.error}\n${this.log}`);
      }
      if (stats?.state === 'running') return stats;
      if (Date.now() > deadline) throw new Error(`instance ${this.current} not running\n${this.log}`);
      await sleep(100);
    }
  }
}
