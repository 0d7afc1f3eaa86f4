import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, expect, test } from 'vitest';
import { type RunningBroker, startBroker } from '../../../infra/kafka/src/index.ts';
import {
  type Cluster,
  Emitter,
  json,
  type KafkaCluster,
  memoryStorage,
  Processor,
  View,
} from '../src/index.ts';
import { HeldCluster } from './support/held-cluster.ts';
import {
  audit,
  type CountEvent,
  emitCounted,
  eventually,
  type Tally,
  tallyGroup,
  testCluster,
  testLogger,
  unique,
} from './support/kafka.ts';

/**
 * Issue 26: a partition whose table recovery meets a transient broker error starts over instead
 * of failing the processor. On the three-broker failover test, anti-spam exited with "processor
 * anti-spam-blocker failed: Closed connection" during a rolling restart: a recovery's request
 * (offsets, the changelog reader, the transactional id) went to a broker that was going away,
 * and the task's failed `ready` failed the whole processor.
 *
 * Here the recovery's offset query is held (HeldCluster) until the broker is down, then let go:
 * it fails for real (a kafkajs connection error; the recovery's client has a retry budget of
 * one retry, as a longer outage would use up the default one). The group consumer keeps the
 * default budget, so the member stays in its group and the partition stays this member's. The
 * partition must start over once the broker is back, the processor run, and nothing be lost.
 * Its own broker: the shared one must not stop.
 */
const PARTITIONS = 2;
const dataDir = mkdtempSync(join(tmpdir(), 'goka-recovery-broker-error-'));
let broker: RunningBroker | undefined;
const closers: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await broker?.stop({ graceMs: 10_000 });
  rmSync(dataDir, { recursive: true, force: true });
});

test('a recovery that meets a broker outage starts the partition over; the processor runs, nothing lost', async () => {
  broker = await startBroker({ dataDir, keepData: true, log: () => undefined });
  const { port, controllerPort } = broker;
  const steady: KafkaCluster = testCluster({ brokers: broker.brokers });
  closers.push(() => steady.close());
  const fragile: KafkaCluster = testCluster({
    brokers: broker.brokers,
    retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 500 },
  });
  closers.push(() => fragile.close());

  const topic = unique('recovery-events');
  const group = unique('recovery-tally');
  await steady.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
  const emitter = new Emitter({ cluster: steady, topic, codec: json<CountEvent>() });
  closers.push(() => emitter.close());
  const emitted = new Map<string, string[]>();
  const emit = (from: number, to: number) =>
    Promise.all(
      Array.from({ length: to - from }, (_, i) =>
        emitCounted(emitter, emitted, `k${(from + i) % 200}`, from + i),
      ),
    );

  // A first instance builds the table, then stops: the next one recovers it from the changelog.
  const first = new Processor(tallyGroup(group, topic, 'first'), {
    cluster: steady,
    storage: memoryStorage(),
    logger: testLogger(),
  });
  await first.start();
  await emit(0, 2_000);
  await eventually(() => first.stats().processed === 2_000, { what: 'the first instance to process all' });
  await first.stop();

  const held = new HeldCluster(fragile);
  const cluster: Cluster = { ...held.cluster, groupConsumer: (o) => steady.groupConsumer(o) };
  const logged: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) });
  held.offsetQueries.hold();
  const second = new Processor(tallyGroup(group, topic, 'second'), {
    cluster,
    storage: memoryStorage(),
    logger,
  });
  closers.push(() => second.stop());
  const started = second.start();
  started.catch(() => undefined);
  await eventually(() => held.offsetQueries.waiting > 0, { what: 'a recovery to query offsets' });

  await broker.stop({ graceMs: 30_000 });
  held.offsetQueries.open();
  // Before the fix the processor failed here with the connection error.
  const restarted = () => logged.some((l) => l.includes('partition recovery met a transient broker error'));
  await eventually(() => restarted() || second.state === 'failed', {
    timeoutMs: 30_000,
    what: 'the recovery to fail on the broker outage',
  });
  expect(second.error?.message ?? 'not failed').toBe('not failed');
  expect(restarted()).toBe(true);
  broker = await startBroker({ dataDir, keepData: true, port, controllerPort, log: () => undefined });

  await started;
  expect(second.state).toBe('running');
  await emit(2_000, 2_500);
  const view = new View({
    cluster: steady,
    table: `${group}-table`,
    codec: json<Tally>(),
    logger: testLogger(),
  });
  closers.push(() => view.stop());
  await view.start();
  const table = new Map<string, Tally>();
  await eventually(
    async () => {
      for (const key of emitted.keys()) table.set(key, (await view.get(key))!);
      return audit(table, emitted).lost === 0;
    },
    { timeoutMs: 120_000, intervalMs: 250, what: 'every event in the table' },
  );
  expect(audit(table, emitted).lost).toBe(0);
  expect(second.state).toBe('running');
}, 300_000);
