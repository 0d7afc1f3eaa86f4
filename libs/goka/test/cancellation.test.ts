import { afterEach, describe, expect, it } from 'vitest';
import {
  defineGroup,
  input,
  join,
  json,
  lookup,
  memoryCluster,
  memoryStorage,
  Processor,
  persist,
  string,
  View,
} from '../src/index.ts';
import { RecoveryProgress } from '../src/recovery-progress.ts';
import { RecoveryAborted, TableReplica } from '../src/table-replica.ts';
import { until } from './support/gated-cluster.ts';
import { HeldCluster } from './support/held-cluster.ts';
import { testLogger } from './support/kafka.ts';

const PARTITIONS = 4;
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.allSettled(stops.splice(0).map((s) => s()));
});

const counter = () =>
  defineGroup(
    'counter',
    persist(json<number>()),
    input('clicks', string(), (ctx) => {
      ctx.setValue((ctx.value() ?? 0) + 1);
    }),
  );

/** A memory cluster whose counter table already holds `keys` values in every partition. */
async function clusterWithTable(keys: number) {
  const inner = memoryCluster({ partitions: PARTITIONS });
  inner.createTopic({ name: 'clicks', partitions: PARTITIONS });
  inner.createTopic({ name: 'counter-table', partitions: PARTITIONS, compacted: true });
  const producer = inner.producer();
  const records = [];
  for (let p = 0; p < PARTITIONS; p++) {
    for (let k = 0; k < keys; k++) {
      records.push({
        topic: 'counter-table',
        partition: p,
        key: Buffer.from(`p${p}-k${k}`),
        value: Buffer.from('1'),
      });
    }
  }
  await producer.send(records);
  const held = new HeldCluster(inner);
  held.heldTopics.add('counter-table');
  held.readers.hold();
  return { inner, held };
}

function processor(held: HeldCluster, extra: Partial<ConstructorParameters<typeof Processor>[1]> = {}) {
  const p = new Processor(counter(), {
    cluster: held.cluster,
    storage: memoryStorage(),
    logger: testLogger(),
    ...extra,
  });
  stops.push(() => p.stop());
  return p;
}

describe('stopping and revoking during recovery', () => {
  it('a partition revoked while it recovers is not a failure: both members end up running', async () => {
    const { inner, held } = await clusterWithTable(10);
    const first = processor(held);
    const firstStarted = first.start();
    await until(() => held.readers.waiting > 0, 'the first member recovering');
    // A second member joins while the first recovers: the rebalance revokes half its partitions.
    const second = processor(held);
    const secondStarted = second.start();
    await until(() => first.partitions.length === PARTITIONS / 2, 'the rebalance');
    held.readers.open();
    await Promise.all([firstStarted, secondStarted]);
    expect(first.state).toBe('running');
    expect(second.state).toBe('running');
    expect([...first.partitions, ...second.partitions].sort()).toEqual([0, 1, 2, 3]);
    // And they process: every key's count goes from the recovered 1 to 2.
    const producer = inner.producer();
    for (let p = 0; p < PARTITIONS; p++) {
      await producer.send([
        { topic: 'clicks', partition: p, key: Buffer.from(`p${p}-k0`), value: Buffer.from('x') },
      ]);
    }
    await until(() => first.stats().processed + second.stats().processed === PARTITIONS, 'processing');
  });

  it('stop() during recovery aborts it at once: start() rejects, nothing fails, no reader is left', async () => {
    const { held } = await clusterWithTable(10);
    const p = processor(held);
    const started = p.start();
    started.catch(() => undefined);
    await until(() => held.readers.waiting > 0, 'recovery in progress');
    // The recovery is held for good: stop() must not wait for it.
    await p.stop();
    expect(p.state).toBe('stopped');
    await expect(started).rejects.toThrow(/stopped before it was running/);
    await expect(p.done()).resolves.toBeUndefined();
    expect(held.openReaders).toBe(0);
  });

  it('a stop while a join table store opens leaves no unhandled rejection of the own table recovery', async () => {
    // The group table's replay is held (in progress); the join table's store opens slowly. A stop
    // in between aborts the own replay while recovery still awaits the join store: that replay's
    // rejection must be observed (before the fix it surfaced as an unhandled RecoveryAborted, which
    // ended a service process under load).
    const { inner, held } = await clusterWithTable(10);
    inner.createTopic({ name: 'profile-table', partitions: PARTITIONS, compacted: true });
    const g = defineGroup(
      'counter',
      persist(json<number>()),
      join('profile-table', json<string>()),
      input('clicks', string(), () => undefined),
    );
    const plain = memoryStorage();
    let releaseJoin: () => void = () => undefined;
    const joinGate = new Promise<void>((resolve) => {
      releaseJoin = resolve;
    });
    let joinOpens = 0;
    const storage: typeof plain = {
      ...plain,
      description: 'join stores open when released',
      async open(topic, partition) {
        if (topic === 'profile-table') {
          joinOpens++;
          await joinGate;
        }
        return plain.open(topic, partition);
      },
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const p = new Processor(g, { cluster: held.cluster, storage, logger: testLogger() });
      stops.push(() => p.stop());
      const started = p.start();
      started.catch(() => undefined);
      await until(() => joinOpens === PARTITIONS && held.readers.waiting > 0, 'join stores opening');
      const stopped = p.stop();
      await until(() => held.openReaders === 0, 'the own table replays aborted');
      releaseJoin();
      await stopped;
      await expect(started).rejects.toThrow(/stopped before it was running/);
      // Unhandled rejections are reported after the microtask queue drains.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      expect(p.state).toBe('stopped');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('stop() while a lookup view recovers ends the view and the start', async () => {
    const { held } = await clusterWithTable(10);
    const g = defineGroup(
      'looker',
      lookup('counter-table', json<number>()),
      input('clicks', string(), () => undefined),
    );
    const p = new Processor(g, { cluster: held.cluster, logger: testLogger() });
    stops.push(() => p.stop());
    const started = p.start();
    started.catch(() => undefined);
    await until(() => held.readers.waiting > 0, 'the lookup view recovering');
    await p.stop();
    expect(p.state).toBe('stopped');
    await expect(started).rejects.toThrow(/stopped before it was running/);
    expect(held.openReaders).toBe(0);
  });

  it('a view stopped while it recovers is stopped, not failed', async () => {
    const { held } = await clusterWithTable(10);
    const view = new View({
      cluster: held.cluster,
      table: 'counter-table',
      codec: json<number>(),
      logger: testLogger(),
    });
    const started = view.start();
    await until(() => held.readers.waiting > 0, 'the view recovering');
    await view.stop();
    expect(view.state).toBe('stopped');
    await expect(started).rejects.toBeInstanceOf(RecoveryAborted);
    await expect(view.get('p0-k0')).rejects.toThrow(/stopped/);
    expect(held.openReaders).toBe(0);
  });

  it('a table replica stopped while it waits for offsets never opens a reader', async () => {
    const { held } = await clusterWithTable(10);
    const store = await memoryStorage().open('counter-table', 0);
    const replica = new TableReplica({
      cluster: held.cluster,
      topic: 'counter-table',
      name: 'test replica',
      partitions: [{ partition: 0, store }],
      progress: new RecoveryProgress('test', testLogger()),
      onError: () => undefined,
    });
    held.offsetQueries.hold();
    const started = replica.start();
    started.catch(() => undefined);
    await until(() => held.offsetQueries.waiting > 0, 'the offsets query');
    await replica.stop();
    held.offsetQueries.open();
    held.readers.open();
    await expect(started).rejects.toBeInstanceOf(RecoveryAborted);
    expect(held.openReaders).toBe(0);
    expect(await store.getOffset()).toBeUndefined();
  });
});
