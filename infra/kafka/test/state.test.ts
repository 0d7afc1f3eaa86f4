import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import {
  type BrokerState,
  clearState,
  devBrokerStatus,
  isStateProcessAlive,
  readState,
  stopDevBroker,
  writeState,
} from '../src/dev-broker.ts';
import { stateFile } from '../src/paths.ts';

let cache: string;
beforeEach(() => {
  cache = mkdtempSync(join(tmpdir(), 'kafka-state-test-'));
});
afterEach(() => rmSync(cache, { recursive: true, force: true }));

/** A pid that certainly belongs to no process any more. */
function deadPid(): number {
  const pid = spawnSync('true').pid; // exited and reaped
  expect(pid).toBeGreaterThan(0);
  return pid;
}

const state = (pid: number): BrokerState => ({
  pid,
  port: 19092,
  controllerPort: 19093,
  brokers: ['127.0.0.1:19092'],
  dataDir: join(cache, 'data'),
  logFile: join(cache, 'data', 'broker.log'),
  clusterId: 'q1Sh-9_ISia_zwGINzRvyQ',
  kafkaVersion: '4.1.2',
  startedAt: new Date().toISOString(),
  mode: 'detached',
  ownerPid: process.pid,
});

test('state round-trips through the file', () => {
  const written = state(123);
  writeState(written, stateFile(cache));
  expect(readState(stateFile(cache))).toEqual(written);
  clearState(stateFile(cache));
  expect(readState(stateFile(cache))).toBeUndefined();
});

test('a missing, truncated or foreign state file reads as "no broker"', () => {
  expect(readState(stateFile(cache))).toBeUndefined();
  writeFileSync(stateFile(cache), '{"pid": 12');
  expect(readState(stateFile(cache))).toBeUndefined();
  writeFileSync(stateFile(cache), '{"hello": "world"}');
  expect(readState(stateFile(cache))).toBeUndefined();
});

test('a live pid counts only if its command line is the broker of that data dir', () => {
  const s = state(4242);
  const alive = () => true;
  expect(
    isStateProcessAlive(s, { alive, cmdline: () => `java -cp x kafka.Kafka ${s.dataDir}/server.properties` }),
  ).toBe(true);
  expect(isStateProcessAlive(s, { alive, cmdline: () => 'vim notes.txt' })).toBe(false);
  expect(
    isStateProcessAlive(s, { alive, cmdline: () => 'java kafka.Kafka /elsewhere/server.properties' }),
  ).toBe(false);
  expect(isStateProcessAlive(s, { alive: () => false, cmdline: () => 'kafka.Kafka' })).toBe(false);
});

test('status removes the state file of a broker that died', async () => {
  writeState(state(deadPid()), stateFile(cache));
  expect(await devBrokerStatus({ cache })).toEqual({ running: false, staleStateRemoved: true });
  expect(existsSync(stateFile(cache))).toBe(false);
  expect(await devBrokerStatus({ cache })).toEqual({ running: false, staleStateRemoved: false });
});

test('stop with a stale state file reports nothing stopped and never signals the pid', async () => {
  // Our own pid is alive but is not a broker: stop must not touch it.
  writeState(state(process.pid), stateFile(cache));
  expect(await stopDevBroker({ cache })).toEqual({ stopped: false });
  expect(existsSync(stateFile(cache))).toBe(false);
});
