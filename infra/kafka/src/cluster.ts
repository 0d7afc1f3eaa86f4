import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  BROKER_MAIN,
  brokerLogFile,
  formatStorage,
  jvmArgs,
  PortInUseError,
  startWatchdog,
  tailFile,
} from './broker.ts';
import { newClusterId } from './cluster-id.ts';
import { ensureKafkaJars, type Log } from './maven.ts';
import { freePort } from './ports.ts';
import { ownProcess, terminate } from './processes.ts';
import {
  parseProperties,
  type QuorumVoter,
  renderLog4jConfig,
  renderProperties,
  serverProperties,
} from './properties.ts';
import { describeCluster } from './readiness.ts';
import { requireJava } from './toolchain.ts';
import { KAFKA_VERSION } from './versions.ts';

export interface StartClusterOptions {
  /** Number of combined broker/controller nodes (node ids 1..n, all of them quorum voters). */
  nodes: number;
  /** Parent of the nodes' dirs (`node-<id>`). Default: a fresh temp dir, deleted on `stop()`. */
  dataDir?: string;
  /** Keep `dataDir` after `stop()`. Default: true for a given `dataDir`, false for a temp dir. */
  keepData?: boolean;
  /** PLAINTEXT ports by node (index 0 = node 1). Default: free ones. */
  ports?: readonly number[];
  /** CONTROLLER ports by node. Default: free ones. */
  controllerPorts?: readonly number[];
  /** Leave the nodes running after this process exits (the CLI). Otherwise they die with it. */
  detached?: boolean;
  readyTimeoutMs?: number;
  overrides?: Record<string, string | number | boolean>;
  /** JVM heap of each node. Default 320m: three nodes share a small machine. */
  heap?: string;
  log?: Log;
}

/** One node of a running cluster; what a failover test does to a broker. */
export interface ClusterNode {
  readonly nodeId: number;
  /** `127.0.0.1:<port>`, the node's PLAINTEXT address. */
  readonly address: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly dataDir: string;
  readonly logFile: string;
  /** The JVM's pid while it runs. */
  readonly pid: number | undefined;
  running(): boolean;
  paused(): boolean;
  /** SIGKILL: a crashed machine. Resolves once the JVM is gone. */
  kill(): Promise<void>;
  /** SIGTERM (controlled shutdown), SIGKILL after `graceMs`. Resolves once the JVM is gone. */
  stop(options?: { graceMs?: number }): Promise<'exited' | 'killed' | 'not running'>;
  /** SIGSTOP: a node that is slow, not dead (its sockets stay open, nothing answers). */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
  /** Starts the node again on its ports and data; resolves once it answers as a registered broker. */
  start(options?: { readyTimeoutMs?: number }): Promise<void>;
}

export interface RunningCluster {
  /** Bootstrap addresses of every node. */
  brokers: string[];
  nodes: ClusterNode[];
  clusterId: string;
  dataDir: string;
  /** Milliseconds from spawning the JVMs until every node was registered. */
  startupMs: number;
  /** Stops every node (in parallel) and removes a temp data dir. Idempotent. */
  stop(options?: { graceMs?: number }): Promise<void>;
}

const HOST = '127.0.0.1';

/**
 * Starts a KRaft cluster of `nodes` combined broker/controller JVMs on 127.0.0.1: own ports,
 * data dir and log per node, storage formatted with one cluster id, a static quorum of all of
 * them, internal topics replicated `replicationFor(nodes)`. Resolves once every node is a
 * registered broker. Not detached, every node dies with this process (exit handlers, watchdog).
 */
export async function startCluster(options: StartClusterOptions): Promise<RunningCluster> {
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 9)
    throw new RangeError(`a cluster has 1 to 9 nodes, not ${options.nodes}`);
  const log = options.log ?? console.log;
  const java = requireJava();
  const libs = await ensureKafkaJars({ log });
  const ephemeral = options.dataDir === undefined;
  const dataDir = resolve(options.dataDir ?? mkdtempSync(join(tmpdir(), 'kafka-cluster-')));
  const keepData = options.keepData ?? !ephemeral;
  const chosenHere = options.ports === undefined || options.controllerPorts === undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      const ports = options.ports ?? (await freePorts(options.nodes));
      const controllerPorts = options.controllerPorts ?? (await freePorts(options.nodes));
      try {
        return await launchCluster({
          ...options,
          java,
          libs,
          dataDir,
          keepData,
          ports,
          controllerPorts,
          log,
        });
      } catch (error) {
        if (!(error instanceof PortInUseError) || !chosenHere || attempt >= 3) throw error;
        log('kafka: a port was taken meanwhile, retrying the cluster with other ports');
      }
    }
  } catch (error) {
    if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

interface LaunchOptions extends StartClusterOptions {
  java: string;
  libs: string;
  dataDir: string;
  keepData: boolean;
  ports: readonly number[];
  controllerPorts: readonly number[];
  log: Log;
}

async function launchCluster(o: LaunchOptions): Promise<RunningCluster> {
  if (o.ports.length !== o.nodes || o.controllerPorts.length !== o.nodes)
    throw new RangeError(`need ${o.nodes} ports and controller ports`);
  const quorum: QuorumVoter[] = o.controllerPorts.map((controllerPort, i) => ({
    nodeId: i + 1,
    controllerPort,
  }));
  const configs = quorum.map((voter, i) => {
    const dir = resolve(o.dataDir, `node-${voter.nodeId}`);
    const logDir = resolve(dir, 'kraft');
    mkdirSync(dir, { recursive: true });
    const propertiesFile = resolve(dir, 'server.properties');
    const log4jConfig = resolve(dir, 'log4j2.xml');
    writeFileSync(
      propertiesFile,
      renderProperties(
        serverProperties({
          nodeId: voter.nodeId,
          port: o.ports[i]!,
          controllerPort: voter.controllerPort,
          quorum,
          logDir,
          overrides: o.overrides,
        }),
      ),
    );
    writeFileSync(log4jConfig, renderLog4jConfig());
    const jvm = jvmArgs({ libs: o.libs, log4jConfig, heap: o.heap ?? '320m' });
    return { voter, dir, logDir, propertiesFile, jvm, port: o.ports[i]!, logFile: brokerLogFile(dir) };
  });

  // One cluster id for every node: reuse the one a kept data dir was formatted with.
  const formattedIds = configs
    .map((c) => resolve(c.logDir, 'meta.properties'))
    .filter(existsSync)
    .map((file) => parseProperties(readFileSync(file, 'utf8'))['cluster.id'] ?? '');
  const clusterId = formattedIds[0] ?? newClusterId();
  if (formattedIds.some((id) => id !== clusterId))
    throw new Error(`the nodes under ${o.dataDir} were formatted for different clusters`);
  await Promise.all(
    configs
      .filter((c) => !existsSync(resolve(c.logDir, 'meta.properties')))
      .map((c) => formatStorage(o.java, c.jvm, clusterId, c.propertiesFile, c.logFile)),
  );

  const nodes = configs.map((c) =>
    nodeHandle({
      nodeId: c.voter.nodeId,
      port: c.port,
      controllerPort: c.voter.controllerPort,
      dataDir: c.dir,
      logFile: c.logFile,
      spawnArgs: [...c.jvm, BROKER_MAIN, c.propertiesFile],
      java: o.java,
      detached: o.detached ?? false,
      removeOnOrphan: o.keepData ? undefined : o.dataDir,
    }),
  );
  const brokers = nodes.map((n) => n.address);
  let stopping: Promise<void> | undefined;
  const stop = ({ graceMs = 15_000 }: { graceMs?: number } = {}) => {
    stopping ??= (async () => {
      await Promise.allSettled(nodes.map((n) => n.stop({ graceMs })));
      if (!o.keepData) rmSync(o.dataDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const started = Date.now();
  try {
    for (const node of nodes) node.spawn();
    await Promise.race([
      waitForBrokers(brokers, o.nodes, o.readyTimeoutMs ?? 180_000),
      ...nodes.map((n) => n.exitedDuringStartup()),
    ]);
  } catch (error) {
    await stop({ graceMs: 5_000 }).catch(() => {});
    throw error;
  }
  return { brokers, nodes, clusterId, dataDir: o.dataDir, startupMs: Date.now() - started, stop };
}

/** Polls `describeCluster` until `count` brokers are registered. */
async function waitForBrokers(brokers: string[], count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const seen = await describeCluster(brokers, 5_000);
      if (seen.brokers.length >= count) return;
      last = `${seen.brokers.length} of ${count} brokers registered`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Kafka cluster ${brokers.join(',')} not ready after ${timeoutMs} ms: ${last}`);
}

interface NodeSpec {
  nodeId: number;
  port: number;
  controllerPort: number;
  dataDir: string;
  logFile: string;
  java: string;
  spawnArgs: string[];
  detached: boolean;
  removeOnOrphan: string | undefined;
}

interface InternalNode extends ClusterNode {
  spawn(): void;
  /** Rejects when the current JVM exits before `start`/startup finished (never resolves). */
  exitedDuringStartup(): Promise<never>;
}

function nodeHandle(spec: NodeSpec): InternalNode {
  let child: ChildProcess | undefined;
  let exit: Promise<void> = Promise.resolve();
  let alive = false;
  let isPaused = false;
  let startupFailure: Promise<never> = new Promise(() => {});
  const address = `${HOST}:${spec.port}`;

  const spawnJvm = () => {
    if (alive) throw new Error(`kafka node ${spec.nodeId} is running already`);
    const logFd = openSync(spec.logFile, 'a');
    try {
      // Own process group, as for the single broker: a Ctrl-C must not reach the JVMs directly.
      child = spawn(spec.java, spec.spawnArgs, {
        cwd: spec.dataDir,
        stdio: ['ignore', logFd, logFd],
        detached: true,
      });
    } finally {
      closeSync(logFd);
    }
    const pid = child.pid;
    if (pid === undefined) throw new Error(`kafka node ${spec.nodeId} did not start`);
    alive = true;
    isPaused = false;
    const disown = spec.detached ? () => {} : ownProcess(pid);
    const watchdog = spec.detached ? undefined : startWatchdog(pid, spec.removeOnOrphan);
    const current = child;
    exit = new Promise<void>((done) => {
      current.once('exit', () => {
        alive = false;
        watchdog?.kill('SIGKILL');
        disown();
        done();
      });
    });
    startupFailure = new Promise<never>((_, reject) => {
      current.once('exit', (code, signal) => {
        const tail = tailFile(spec.logFile);
        const message = `Kafka ${KAFKA_VERSION} node ${spec.nodeId} exited (${signal ?? `code ${code}`}). Tail of ${spec.logFile}:\n${tail}`;
        reject(
          /Address already in use|BindException/.test(tail)
            ? new PortInUseError(message)
            : new Error(message),
        );
      });
    });
    startupFailure.catch(() => {}); // only a startup race listens to it
    if (spec.detached) child.unref();
  };

  const signal = (sig: NodeJS.Signals) => {
    if (alive && child?.pid !== undefined) process.kill(child.pid, sig);
  };

  return {
    nodeId: spec.nodeId,
    address,
    port: spec.port,
    controllerPort: spec.controllerPort,
    dataDir: spec.dataDir,
    logFile: spec.logFile,
    get pid() {
      return alive ? child?.pid : undefined;
    },
    running: () => alive,
    paused: () => alive && isPaused,
    spawn: spawnJvm,
    exitedDuringStartup: () => startupFailure,
    async kill() {
      signal('SIGKILL');
      await exit;
    },
    async stop({ graceMs = 15_000 } = {}) {
      if (!alive || child?.pid === undefined) return 'not running';
      if (isPaused) signal('SIGCONT');
      const how = await terminate(child.pid, { graceMs });
      await exit;
      return how;
    },
    pause() {
      signal('SIGSTOP');
      isPaused = alive;
    },
    resume() {
      signal('SIGCONT');
      isPaused = false;
    },
    async start({ readyTimeoutMs = 120_000 } = {}) {
      spawnJvm();
      await Promise.race([waitForNode(address, spec.nodeId, readyTimeoutMs), startupFailure]);
    },
  };
}

/** A restarted node is back once it answers metadata itself and lists itself as a broker. */
async function waitForNode(address: string, nodeId: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const seen = await describeCluster([address], 5_000);
      if (seen.brokers.some((b) => b.nodeId === nodeId)) return;
      last = `node ${nodeId} not registered yet`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Kafka node ${nodeId} at ${address} not back after ${timeoutMs} ms: ${last}`);
}
