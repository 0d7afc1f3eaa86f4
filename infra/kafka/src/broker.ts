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
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { newClusterId } from './cluster-id.ts';
import { ensureKafkaJars, type Log } from './maven.ts';
import { freePort } from './ports.ts';
import { ownProcess, terminate } from './processes.ts';
import { parseProperties, renderLog4jConfig, renderProperties, serverProperties } from './properties.ts';
import { waitForCluster } from './readiness.ts';
import { requireJava } from './toolchain.ts';
import { KAFKA_VERSION } from './versions.ts';

export interface StartBrokerOptions {
  /** Where data, config and the broker log live. Default: a fresh temp dir, deleted on `stop()`. */
  dataDir?: string;
  /** Keep `dataDir` after `stop()`. Default: true for a given `dataDir`, false for a temp dir. */
  keepData?: boolean;
  /** PLAINTEXT port. Default: a free one. */
  port?: number;
  /** CONTROLLER port. Default: a free one. */
  controllerPort?: number;
  /**
   * Leave the broker running after this process exits (the CLI's `start`). Otherwise the
   * broker is tied to this process: stopped on exit, crash and signals, and by a watchdog
   * if this process is SIGKILLed.
   */
  detached?: boolean;
  readyTimeoutMs?: number;
  autoCreateTopics?: boolean;
  overrides?: Record<string, string | number | boolean>;
  heap?: string;
  log?: Log;
}

export interface RunningBroker {
  /** Bootstrap addresses for clients, e.g. `['127.0.0.1:41234']`. */
  brokers: string[];
  port: number;
  controllerPort: number;
  pid: number;
  clusterId: string;
  dataDir: string;
  logFile: string;
  /** Milliseconds from spawning the JVM (after formatting) until `describeCluster` succeeded. */
  startupMs: number;
  /** SIGTERM, SIGKILL after `graceMs`, resolves once the JVM is gone. Idempotent. */
  stop(options?: { graceMs?: number }): Promise<void>;
}

export const BROKER_MAIN = 'kafka.Kafka';

export function brokerLogFile(dataDir: string): string {
  return resolve(dataDir, 'broker.log');
}

export function jvmArgs({
  libs,
  log4jConfig,
  heap = '512m',
}: {
  libs: string;
  log4jConfig: string;
  heap?: string;
}) {
  return [
    `-Xmx${heap}`,
    '-Xms128m',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jConfig}`,
    '-cp',
    join(libs, '*'),
  ];
}

/** The last `lines` lines of a log file, for error messages. */
export function tailFile(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts a single combined broker/controller (KRaft) on 127.0.0.1 and resolves once an admin
 * `describeCluster` succeeds. Fetches the jars first if needed.
 */
export async function startBroker(options: StartBrokerOptions = {}): Promise<RunningBroker> {
  const log = options.log ?? console.log;
  const java = requireJava();
  const libs = await ensureKafkaJars({ log });
  const ephemeral = options.dataDir === undefined;
  const dataDir = resolve(options.dataDir ?? mkdtempSync(join(tmpdir(), 'kafka-')));
  const keepData = options.keepData ?? !ephemeral;
  try {
    // Ports picked here may be taken by someone else before the JVM binds them: retry with new ones.
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      const controllerPort = options.controllerPort ?? (await freePort());
      try {
        return await launch({ ...options, java, libs, dataDir, keepData, port, controllerPort, log });
      } catch (error) {
        const portsChosenHere = options.port === undefined || options.controllerPort === undefined;
        if (!(error instanceof PortInUseError) || !portsChosenHere || attempt >= 3) throw error;
        log(`kafka: port ${port} or ${controllerPort} was taken meanwhile, retrying with other ports`);
      }
    }
  } catch (error) {
    if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** The JVM could not bind a port picked a moment before: the caller may retry with other ports. */
export class PortInUseError extends Error {}

interface LaunchOptions extends StartBrokerOptions {
  java: string;
  libs: string;
  dataDir: string;
  keepData: boolean;
  port: number;
  controllerPort: number;
  log: Log;
}

async function launch(o: LaunchOptions): Promise<RunningBroker> {
  const logDir = resolve(o.dataDir, 'kraft');
  const propertiesFile = resolve(o.dataDir, 'server.properties');
  const log4jConfig = resolve(o.dataDir, 'log4j2.xml');
  const logFile = brokerLogFile(o.dataDir);
  mkdirSync(o.dataDir, { recursive: true });
  writeFileSync(
    propertiesFile,
    renderProperties(
      serverProperties({
        port: o.port,
        controllerPort: o.controllerPort,
        logDir,
        autoCreateTopics: o.autoCreateTopics,
        overrides: o.overrides,
      }),
    ),
  );
  writeFileSync(log4jConfig, renderLog4jConfig());
  const jvm = jvmArgs({ libs: o.libs, log4jConfig, heap: o.heap });

  const metaFile = resolve(logDir, 'meta.properties');
  const formatted = existsSync(metaFile);
  const clusterId = formatted
    ? (parseProperties(readFileSync(metaFile, 'utf8'))['cluster.id'] ?? '')
    : newClusterId();
  if (!formatted) await formatStorage(o.java, jvm, clusterId, propertiesFile, logFile);

  const logFd = openSync(logFile, 'a');
  const started = Date.now();
  let child: ChildProcess;
  try {
    child = spawn(o.java, [...jvm, BROKER_MAIN, propertiesFile], {
      cwd: o.dataDir,
      stdio: ['ignore', logFd, logFd],
      // Always its own process group: a Ctrl-C in the terminal must not reach the JVM directly,
      // or it shuts down while the services that use it are still stopping. Ownership (exit
      // handlers, watchdog) is what ties a non-detached broker to this process.
      detached: true,
    });
  } finally {
    closeSync(logFd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    throw await new Promise<Error>((done) => child.once('error', (error) => done(error)));
  }
  const disown = o.detached ? () => {} : ownProcess(pid);
  const watchdog = o.detached ? undefined : startWatchdog(pid, o.keepData ? undefined : o.dataDir);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  let stopping: Promise<void> | undefined;
  const stop = ({ graceMs }: { graceMs?: number } = {}) => {
    stopping ??= (async () => {
      watchdog?.kill('SIGKILL');
      if (!exited) await terminate(pid, { graceMs });
      disown();
      if (!o.keepData) rmSync(o.dataDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const brokers = [`127.0.0.1:${o.port}`];
  const aborted = new AbortController();
  const exitedEarly = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => {
      aborted.abort();
      const tail = tailFile(logFile);
      const message = `Kafka ${KAFKA_VERSION} exited during startup (${signal ?? `code ${code}`}). Tail of ${logFile}:\n${tail}`;
      reject(
        /Address already in use|BindException/.test(tail) ? new PortInUseError(message) : new Error(message),
      );
    });
  });
  try {
    await Promise.race([
      waitForCluster(brokers, { timeoutMs: o.readyTimeoutMs ?? 120_000, signal: aborted.signal }),
      exitedEarly,
    ]);
  } catch (error) {
    const reason = error instanceof Error ? error : new Error(String(error));
    await stop({ graceMs: 5_000 }).catch(() => {});
    if (reason instanceof PortInUseError || exited) throw reason;
    throw new Error(`${reason.message}\nTail of ${logFile}:\n${tailFile(logFile)}`);
  }
  exitedEarly.catch(() => {}); // a later exit is no startup failure
  if (o.detached) child.unref();
  return {
    brokers,
    port: o.port,
    controllerPort: o.controllerPort,
    pid,
    clusterId,
    dataDir: o.dataDir,
    logFile,
    startupMs: Date.now() - started,
    stop,
  };
}

export async function formatStorage(
  java: string,
  jvm: string[],
  clusterId: string,
  propertiesFile: string,
  logFile: string,
) {
  const logFd = openSync(logFile, 'a');
  try {
    const child = spawn(
      java,
      [
        ...jvm,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        propertiesFile,
        '--ignore-formatted',
      ],
      { stdio: ['ignore', logFd, logFd] },
    );
    const code = await new Promise<number | null>((done, fail) => {
      child.once('error', fail);
      child.once('exit', done);
    });
    if (code !== 0)
      throw new Error(
        `Formatting Kafka storage failed (exit ${code}). Tail of ${logFile}:\n${tailFile(logFile)}`,
      );
  } finally {
    closeSync(logFd);
  }
}

/**
 * Guards against the one case exit handlers cannot cover: this process being SIGKILLed. The
 * watchdog blocks reading a pipe from us; when we die the kernel closes it, and the watchdog
 * stops the JVM (SIGTERM, then SIGKILL after 30 s) and removes a temp data dir. A clean `stop()`
 * kills the watchdog first.
 */
export function startWatchdog(pid: number, dataDirToRemove: string | undefined): ChildProcess {
  const script = [
    'read -r _ || true',
    'if kill -0 "$1" 2>/dev/null; then',
    '  kill -TERM "$1" 2>/dev/null',
    '  kill -CONT "$1" 2>/dev/null', // a SIGSTOPped JVM (failover tests) must run to see TERM
    '  i=0; while kill -0 "$1" 2>/dev/null && [ "$i" -lt 300 ]; do sleep 0.1; i=$((i+1)); done',
    '  kill -KILL "$1" 2>/dev/null; sleep 1',
    'fi',
    'if [ -n "$2" ]; then rm -rf -- "$2"; fi',
  ].join('\n');
  const watchdog = spawn('sh', ['-c', script, 'kafka-watchdog', String(pid), dataDirToRemove ?? ''], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  watchdog.on('error', () => {}); // best effort: exit handlers still cover the common cases
  watchdog.unref();
  (watchdog.stdin as unknown as Socket | null)?.unref?.();
  return watchdog;
}
