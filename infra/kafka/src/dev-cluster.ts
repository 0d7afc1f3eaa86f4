import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startCluster } from './cluster.ts';
import { isStateProcessAlive } from './dev-broker.ts';
import { withFileLock } from './lock.ts';
import type { Log } from './maven.ts';
import { cacheDir } from './paths.ts';
import { isPortFree } from './ports.ts';
import { terminate } from './processes.ts';
import { parseProperties } from './properties.ts';
import { type ClusterDescription, describeCluster } from './readiness.ts';
import { KAFKA_VERSION } from './versions.ts';

/**
 * The long-lived local cluster for development (`npm run kafka -- start --brokers 3`): like the
 * dev broker, found again through a state file, data kept in `<cache>/cluster-<n>` (a quorum of
 * n voters is formatted for n nodes, so each size has its own dir). It runs next to the dev
 * broker, on other ports; `stop` ends both.
 */
export interface ClusterNodeState {
  nodeId: number;
  pid: number;
  port: number;
  controllerPort: number;
  dataDir: string;
  logFile: string;
}

export interface ClusterState {
  nodes: ClusterNodeState[];
  brokers: string[];
  dataDir: string;
  clusterId: string;
  kafkaVersion: string;
  startedAt: string;
}

export function clusterStateFile(cache = cacheDir()): string {
  return resolve(cache, 'cluster.json');
}

export function devClusterDataDir(nodes: number, cache = cacheDir()): string {
  return resolve(cache, `cluster-${nodes}`);
}

export function readClusterState(file = clusterStateFile()): ClusterState | undefined {
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as Partial<ClusterState>;
    return Array.isArray(state.nodes) && Array.isArray(state.brokers) ? (state as ClusterState) : undefined;
  } catch {
    return undefined;
  }
}

function writeClusterState(state: ClusterState, file: string): void {
  mkdirSync(resolve(file, '..'), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(partial, file);
}

const aliveNodes = (state: ClusterState) => state.nodes.filter((n) => isStateProcessAlive(n));

export type DevClusterStatus =
  | { running: false; staleStateRemoved: boolean }
  | {
      running: true;
      state: ClusterState;
      alive: ClusterNodeState[];
      cluster?: ClusterDescription;
      error?: string;
    };

export async function devClusterStatus({ cache = cacheDir() } = {}): Promise<DevClusterStatus> {
  const file = clusterStateFile(cache);
  const state = readClusterState(file);
  if (!state) return { running: false, staleStateRemoved: false };
  const alive = aliveNodes(state);
  if (alive.length === 0) {
    rmSync(file, { force: true });
    return { running: false, staleStateRemoved: true };
  }
  try {
    return { running: true, state, alive, cluster: await describeCluster(state.brokers, 5_000) };
  } catch (error) {
    return { running: true, state, alive, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Starts the dev cluster of `nodes` nodes unless one is running; ports are last time's when free. */
export async function startDevCluster({
  nodes,
  log = console.log,
  cache = cacheDir(),
}: {
  nodes: number;
  log?: Log;
  cache?: string;
}): Promise<{ alreadyRunning: boolean; state: ClusterState }> {
  mkdirSync(cache, { recursive: true });
  return withFileLock(resolve(cache, 'start.lock'), async () => {
    const status = await devClusterStatus({ cache });
    if (status.running) return { alreadyRunning: true, state: status.state };
    const dataDir = devClusterDataDir(nodes, cache);
    const previous = await previousPortsIfFree(dataDir, nodes);
    const cluster = await startCluster({
      nodes,
      dataDir,
      keepData: true,
      detached: true,
      log,
      ...(previous ?? {}),
    });
    const state: ClusterState = {
      nodes: cluster.nodes.map((n) => ({
        nodeId: n.nodeId,
        pid: n.pid ?? -1,
        port: n.port,
        controllerPort: n.controllerPort,
        dataDir: n.dataDir,
        logFile: n.logFile,
      })),
      brokers: cluster.brokers,
      dataDir,
      clusterId: cluster.clusterId,
      kafkaVersion: KAFKA_VERSION,
      startedAt: new Date().toISOString(),
    };
    writeClusterState(state, clusterStateFile(cache));
    return { alreadyRunning: false, state };
  });
}

/** The ports the nodes had last time, if every one of them is free (stable addresses). */
async function previousPortsIfFree(
  dataDir: string,
  nodes: number,
): Promise<{ ports: number[]; controllerPorts: number[] } | undefined> {
  const ports: number[] = [];
  const controllerPorts: number[] = [];
  try {
    for (let id = 1; id <= nodes; id++) {
      const props = parseProperties(
        readFileSync(resolve(dataDir, `node-${id}`, 'server.properties'), 'utf8'),
      );
      ports.push(Number(/PLAINTEXT:\/\/[^:]+:(\d+)/.exec(props.listeners ?? '')?.[1]));
      controllerPorts.push(Number(/CONTROLLER:\/\/[^:]+:(\d+)/.exec(props.listeners ?? '')?.[1]));
    }
  } catch {
    return undefined;
  }
  const all = [...ports, ...controllerPorts];
  if (all.some((p) => !p)) return undefined;
  for (const port of all) if (!(await isPortFree(port))) return undefined;
  return { ports, controllerPorts };
}

/** Stops every node of the dev cluster at once (SIGTERM, SIGKILL after `graceMs`). */
export async function stopDevCluster({
  cache = cacheDir(),
  graceMs = 30_000,
}: {
  cache?: string;
  graceMs?: number;
} = {}): Promise<{ stopped: false } | { stopped: true; state: ClusterState; how: string[] }> {
  const file = clusterStateFile(cache);
  const state = readClusterState(file);
  const alive = state ? aliveNodes(state) : [];
  if (!state || alive.length === 0) {
    rmSync(file, { force: true });
    return { stopped: false };
  }
  const how = await Promise.all(alive.map((n) => terminate(n.pid, { graceMs })));
  rmSync(file, { force: true });
  return { stopped: true, state, how };
}
