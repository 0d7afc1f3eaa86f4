import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type RunningBroker, startBroker } from './broker.ts';
import { withFileLock } from './lock.ts';
import type { Log } from './maven.ts';
import { cacheDir, devDataDir, stateFile } from './paths.ts';
import { isPortFree, parsePort } from './ports.ts';
import { commandLine, isProcessAlive, terminate } from './processes.ts';
import { parseProperties } from './properties.ts';
import { type ClusterDescription, describeCluster } from './readiness.ts';
import { KAFKA_VERSION } from './versions.ts';

/**
 * The long-lived local broker for development (`npm run kafka -- start`, `npm start`): one per
 * cache dir, persistent data in `<cache>/data`, found again through a state file. Test runs
 * use their own throwaway brokers and never touch this one.
 */
export interface BrokerState {
  pid: number;
  port: number;
  controllerPort: number;
  brokers: string[];
  dataDir: string;
  logFile: string;
  clusterId: string;
  kafkaVersion: string;
  startedAt: string;
  /** `detached`: outlives its starter (CLI). Otherwise it dies with process `ownerPid`. */
  mode: 'detached' | 'attached';
  ownerPid: number;
}

export function readState(file = stateFile()): BrokerState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const state = JSON.parse(text) as Partial<BrokerState>;
    if (
      typeof state.pid !== 'number' ||
      typeof state.port !== 'number' ||
      typeof state.dataDir !== 'string'
    ) {
      return undefined;
    }
    return state as BrokerState;
  } catch {
    return undefined;
  }
}

/** Atomic (write + rename): a crash never leaves half a state file behind. */
export function writeState(state: BrokerState, file = stateFile()): void {
  mkdirSync(resolve(file, '..'), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(partial, file);
}

export function clearState(file = stateFile()): void {
  rmSync(file, { force: true });
}

/** The pid is alive *and* is the broker of that data dir, not a process that reused the pid. */
export function isStateProcessAlive(
  state: Pick<BrokerState, 'pid' | 'dataDir'>,
  probe: { alive: (pid: number) => boolean; cmdline: (pid: number) => string | undefined } = {
    alive: isProcessAlive,
    cmdline: commandLine,
  },
): boolean {
  if (!probe.alive(state.pid)) return false;
  const cmd = probe.cmdline(state.pid);
  return cmd === undefined || (cmd.includes('kafka.Kafka') && cmd.includes(state.dataDir));
}

export type DevBrokerStatus =
  | { running: false; staleStateRemoved: boolean }
  | { running: true; state: BrokerState; cluster?: ClusterDescription; error?: string };

/** Reads the state file, drops it if its process is gone, and asks a live broker to describe itself. */
export async function devBrokerStatus({
  cache = cacheDir(),
}: {
  cache?: string;
} = {}): Promise<DevBrokerStatus> {
  const state = readState(stateFile(cache));
  if (!state) {
    const stale = existsSync(stateFile(cache));
    if (stale) clearState(stateFile(cache));
    return { running: false, staleStateRemoved: stale };
  }
  if (!isStateProcessAlive(state)) {
    clearState(stateFile(cache));
    return { running: false, staleStateRemoved: true };
  }
  try {
    return { running: true, state, cluster: await describeCluster(state.brokers, 5_000) };
  } catch (error) {
    return { running: true, state, error: error instanceof Error ? error.message : String(error) };
  }
}

export type DevBrokerStart =
  | { alreadyRunning: true; state: BrokerState }
  | { alreadyRunning: false; state: BrokerState; broker: RunningBroker };

/**
 * Starts the dev broker unless one is running already. Port: `KAFKA_PORT`, else the port it
 * had last time (stable address across restarts) if free, else a free one.
 */
export async function startDevBroker({
  detached,
  log = console.log,
  cache = cacheDir(),
  env = process.env,
}: {
  detached: boolean;
  log?: Log;
  cache?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<DevBrokerStart> {
  mkdirSync(cache, { recursive: true });
  return withFileLock(
    resolve(cache, 'start.lock'),
    async () => {
      const status = await devBrokerStatus({ cache });
      if (status.running) return { alreadyRunning: true as const, state: status.state };
      const dataDir = devDataDir(cache);
      const port = parsePort(env.KAFKA_PORT, 'KAFKA_PORT') ?? (await previousPortIfFree(dataDir));
      const controllerPort = parsePort(env.KAFKA_CONTROLLER_PORT, 'KAFKA_CONTROLLER_PORT');
      const broker = await startBroker({ dataDir, keepData: true, port, controllerPort, detached, log });
      const state: BrokerState = {
        pid: broker.pid,
        port: broker.port,
        controllerPort: broker.controllerPort,
        brokers: broker.brokers,
        dataDir: broker.dataDir,
        logFile: broker.logFile,
        clusterId: broker.clusterId,
        kafkaVersion: KAFKA_VERSION,
        startedAt: new Date().toISOString(),
        mode: detached ? 'detached' : 'attached',
        ownerPid: process.pid,
      };
      writeState(state, stateFile(cache));
      const stop = broker.stop;
      broker.stop = async (options) => {
        await stop(options);
        if (readState(stateFile(cache))?.pid === broker.pid) clearState(stateFile(cache));
      };
      return { alreadyRunning: false as const, state, broker };
    },
    {
      timeoutMs: 5 * 60_000,
      onWait: (pid) => log(`kafka: process ${pid} is starting the dev broker, waiting`),
    },
  );
}

async function previousPortIfFree(dataDir: string): Promise<number | undefined> {
  try {
    const props = parseProperties(readFileSync(resolve(dataDir, 'server.properties'), 'utf8'));
    const port = Number(/PLAINTEXT:\/\/[^:]+:(\d+)/.exec(props.listeners ?? '')?.[1]);
    return port && (await isPortFree(port)) ? port : undefined;
  } catch {
    return undefined;
  }
}

/** Stops the dev broker found in the state file; `false` if none was running. */
export async function stopDevBroker({
  cache = cacheDir(),
  graceMs = 30_000,
}: {
  cache?: string;
  graceMs?: number;
} = {}): Promise<{ stopped: false } | { stopped: true; state: BrokerState; how: 'exited' | 'killed' }> {
  const state = readState(stateFile(cache));
  if (!state || !isStateProcessAlive(state)) {
    clearState(stateFile(cache));
    return { stopped: false };
  }
  const how = await terminate(state.pid, { graceMs });
  clearState(stateFile(cache));
  return { stopped: true, state, how };
}
