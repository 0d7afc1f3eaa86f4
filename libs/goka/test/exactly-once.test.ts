import { describe, expect, it } from 'vitest';
import {
  type Cluster,
  defineGroup,
  Emitter,
  input,
  json,
  memoryCluster,
  memoryStorage,
  output,
  Processor,
  persist,
  string,
} from '../src/index.ts';
import { until } from './support/gated-cluster.ts';

const tally = () =>
  defineGroup(
    'eos-tally',
    persist(json<{ n: number; ids: string[] }>()),
    output('eos-audit', string()),
    input('eos-events', string(), (ctx, id) => {
      const cur = ctx.value() ?? { n: 0, ids: [] };
      ctx.setValue({ n: cur.n + 1, ids: [...cur.ids, id] });
      ctx.emit('eos-audit', ctx.key, id);
    }),
  );

/** The memory cluster, except that transactions fail while `broken` is set. */
function breakable(inner: ReturnType<typeof memoryCluster>) {
  const state = { broken: false };
  const cluster: Cluster = {
    description: 'breakable memory',
    autoCreateTopics: inner.autoCreateTopics,
    defaultPartitions: inner.defaultPartitions,
    partitionCount: (t) => inner.partitionCount(t),
    ensureTopics: (s) => inner.ensureTopics(s),
    offsets: (t) => inner.offsets(t),
    producer: () => inner.producer(),
    reader: (o) => inner.reader(o),
    groupConsumer: (o) => inner.groupConsumer(o),
    close: () => inner.close(),
    transactionalProducer: (o) => {
      const tx = inner.transactionalProducer();
      void o;
      return {
        init: () => tx.init(),
        commit: async (records, group, offsets) => {
          if (state.broken) throw new Error('coordinator says no');
          return tx.commit(records, group, offsets);
        },
        close: () => tx.close(),
      };
    },
  };
  return { cluster, state };
}

describe("guarantee: 'exactly-once'", () => {
  it('commits effects and input offsets of each batch together', async () => {
    const cluster = memoryCluster({ partitions: 3 });
    const g = tally();
    const p = new Processor(g, { cluster, guarantee: 'exactly-once' });
    await p.start();
    const e = new Emitter({ cluster, topic: 'eos-events', codec: string() });
    await Promise.all(Array.from({ length: 300 }, (_, i) => e.emit(`k${i % 7}`, `e${i}`)));
    await until(() => p.stats().processed === 300, '300 processed');
    await until(
      () =>
        [0, 1, 2].every(
          (q) =>
            (cluster.committedOffset('eos-tally', 'eos-events', q) ?? 0) ===
            cluster.records('eos-events', q).length,
        ),
      'offsets committed through the transactions',
    );
    const audit = [0, 1, 2].flatMap((q) => cluster.records('eos-audit', q));
    expect(audit).toHaveLength(300);
    await Promise.all([p.stop(), e.close()]);
  });

  it('a failed transaction leaves nothing behind: no table write, no output, no offset', async () => {
    const inner = memoryCluster({ partitions: 1 });
    const { cluster, state } = breakable(inner);
    const storage = memoryStorage();
    const g = tally();
    const first = new Processor(g, { cluster, storage, guarantee: 'exactly-once' });
    await first.start();
    const e = new Emitter({ cluster: inner, topic: 'eos-events', codec: string() });
    await e.emit('k', 'e1');
    await until(() => (inner.committedOffset('eos-tally', 'eos-events', 0) ?? 0) === 1, 'first committed');
    state.broken = true;
    await e.emit('k', 'e2');
    await expect(first.done()).rejects.toThrow(/the transaction of partition 0 failed/);
    expect(inner.records('eos-tally-table', 0)).toHaveLength(1);
    expect(inner.records('eos-audit', 0)).toHaveLength(1);
    expect(inner.committedOffset('eos-tally', 'eos-events', 0)).toBe(1);

    // A new instance (fresh store) picks up exactly where the last transaction ended.
    state.broken = false;
    const second = new Processor(g, { cluster, storage: memoryStorage(), guarantee: 'exactly-once' });
    await second.start();
    await until(() => (inner.committedOffset('eos-tally', 'eos-events', 0) ?? 0) === 2, 'second committed');
    const table = inner.records('eos-tally-table', 0);
    expect(JSON.parse(table[table.length - 1]!.value!.toString())).toEqual({ n: 2, ids: ['e1', 'e2'] });
    expect(inner.records('eos-audit', 0).map((r) => r.value?.toString())).toEqual(['e1', 'e2']);
    await Promise.all([second.stop(), e.close()]);
  });

  it('refuses a cluster without transactions', () => {
    const inner = memoryCluster();
    const { transactionalProducer: _none, ...rest } = breakable(inner).cluster;
    const withoutTx: Cluster = rest;
    expect(() => new Processor(tally(), { cluster: withoutTx, guarantee: 'exactly-once' })).toThrow(
      /exactly-once needs transactions/,
    );
  });
});
