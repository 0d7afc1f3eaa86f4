import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Emitter, json, Processor } from '../src/index.ts';
import {
  audit,
  type CountEvent,
  caughtUp,
  emitCounted,
  eventually,
  rawAdmin,
  readTable,
  type Tally,
  tallyGroup,
  testBrokers,
  testCluster,
  testLogger,
  unique,
} from './support/kafka.ts';

/** Emits EVENTS events at RATE to KEYS keys; resolves with what was emitted per key. */
async function emitEvents(topic: string): Promise<Map<string, string[]>> {
  const emitted = new Map<string, string[]>();
  const emitter = new Emitter({ cluster, topic, codec: json<CountEvent>() });
  const started = Date.now();
  try {
    for (let i = 0; i < EVENTS; i += 100) {
      const due = started + (i / RATE) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
      const sends: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(EVENTS, i + 100); j++) {
        sends.push(emitCounted(emitter, emitted, `k${(j * 7919) % KEYS}`, j));
      }
      await Promise.all(sends);
    }
  } finally {
    await emitter.close();
  }
  return emitted;
}

/** A coalescing tally processor in a child process (write-coalescing-instance.ts), running. */
async function startChild(group: string, topic: string, instance: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(import.meta.dirname, 'write-coalescing-instance.ts')],
    {
      cwd: resolve(import.meta.dirname, '..'),
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: {
        ...process.env,
        COALESCE_BROKERS: testBrokers().join(','),
        COALESCE_GROUP: group,
        COALESCE_TOPIC: topic,
        COALESCE_STORE: join(dir, 'store'),
        COALESCE_INSTANCE: instance,
        COALESCE_WINDOW_MS: '500',
      },
    },
  );
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000);
  });
  await new Promise<void>((ok, fail) => {
    child.once('message', () => ok());
    child.once('exit', (code) => fail(new Error(`instance ${instance} exited (${code}): ${stderr}`)));
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGKILL');
    await exited;
  }
  children.delete(child);
}

test('SIGKILLs while writes are held back lose no event', async () => {
  const topic = unique('coalesce-kill-events');
  const group = unique('coalesce-kill-tally');
  await cluster.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
  let child = await startChild(group, topic, 'x#1');
  const emitting = emitEvents(topic);
  emitting.catch(() => undefined); // awaited below
  for (const next of ['x#2', 'x#3']) {
    await sleep(2_000);
    await kill(child); // held writes and uncommitted offsets die with it
    child = await startChild(group, topic, next);
  }
  const emitted = await emitting;
  await eventually(() => caughtUp(cluster, admin, group, topic), {
    timeoutMs: 120_000,
    intervalMs: 250,
    what: 'the group to commit every event',
  });
  await kill(child);
  const table = await readTable(cluster, `${group}-table`, json<Tally>());
  const result = audit(table, emitted);
  console.log(`GOKA_COALESCE_KILL_TEST ${JSON.stringify({ ...result, lostIds: undefined })}`);
  // At-least-once: a kill may apply uncommitted events again, but never loses one, and every
  // value is a consistent fold of the ids it holds.
  expect(result.lostIds).toEqual([]);
  expect(result.lost).toBe(0);
  for (const [key, value] of table) expect(value.n, key).toBe(value.ids.length);
}, 240_000);

/**
 * Write coalescing on the real broker, across rebalances: processors with a long window (so
 * writes are held back whenever a partition is revoked) join and leave while events arrive.
 * Every revoked partition must send its held writes before its offsets are committed, or the
 * next owner (which recovers the table from the changelog) would lose them. The final table is
 * compared with a fold over the events emitted: no event lost, none applied twice.
 */
const EVENTS = 12_000;
const KEYS = 300;
const PARTITIONS = 6;
const RATE = 2_000;

const cluster = testCluster();
const admin = rawAdmin();
const processors: Processor<Tally, unknown>[] = [];
const children = new Set<ChildProcess>();
const dir = mkdtempSync(join(tmpdir(), 'goka-coalesce-'));

beforeAll(() => admin.connect());
afterAll(async () => {
  await Promise.allSettled([...children].map(kill));
  await Promise.allSettled(processors.map((p) => p.stop()));
  rmSync(dir, { recursive: true, force: true });
  await admin.disconnect().catch(() => undefined);
  await cluster.close();
});

test('rebalances with write coalescing on lose no event and apply none twice', async () => {
  const topic = unique('coalesce-events');
  const group = unique('coalesce-tally');
  await cluster.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
  const coalesced: number[] = [];
  const start = async (name: string) => {
    const p = new Processor(tallyGroup(group, topic, name), {
      cluster,
      logger: testLogger(name),
      coalesce: { windowMs: 500 },
    });
    processors.push(p);
    await p.start();
    return p;
  };
  const stop = async (p: Processor<Tally, unknown>) => {
    coalesced.push(p.stats().partitions.reduce((n, s) => n + s.coalescedWrites, 0));
    await p.stop();
  };

  const a = await start('a');
  const emitting = emitEvents(topic);
  emitting.catch(() => undefined); // awaited below

  await sleep(1_500);
  const b = await start('b'); // a gives up half its partitions, with writes held back
  await sleep(1_500);
  await stop(a); // b takes everything over
  await sleep(1_000);
  const c = await start('c');
  const emitted = await emitting;
  await eventually(() => caughtUp(cluster, admin, group, topic), {
    timeoutMs: 120_000,
    intervalMs: 250,
    what: 'the group to commit every event',
  });
  await stop(b);
  await stop(c);

  const table = await readTable(cluster, `${group}-table`, json<Tally>());
  const result = audit(table, emitted);
  console.log(`GOKA_COALESCE_TEST ${JSON.stringify({ ...result, lostIds: undefined, coalesced })}`);
  expect(result.lostIds).toEqual([]);
  expect(result.duplicates).toBe(0);
  for (const [key, ids] of emitted) expect(table.get(key)?.n, key).toBe(ids.length);
  // The lever was in play: writes were coalesced (held across the rebalances above).
  expect(coalesced.reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
}, 240_000);
