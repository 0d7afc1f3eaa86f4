import { afterAll, describe, expect, it } from 'vitest';
import type { ConsumedRecord, OutgoingRecord, TransactionalProducer } from '../src/index.ts';
import { committed, eventually, rawAdmin, readTopic, testCluster, unique } from './support/kafka.ts';

/**
 * The transactional half of the Cluster seam on the real broker, for both clients: what a
 * committed transaction makes visible (its records to read-committed readers, its offsets to the
 * group), what an aborted one leaves (nothing), and who may commit once a transactional id was
 * registered again — by the same client or by the other one (a partition taken over by an
 * instance that runs the other client).
 */
const clusters = {
  kafkajs: testCluster(),
  platformatic: testCluster({ producer: 'platformatic' }),
} as const;
const admin = rawAdmin();
const opened: TransactionalProducer[] = [];

afterAll(async () => {
  await Promise.allSettled(opened.map((p) => p.close()));
  await admin.disconnect().catch(() => undefined);
  await Promise.all(Object.values(clusters).map((c) => c.close()));
});

function producer(client: keyof typeof clusters, transactionalId: string): TransactionalProducer {
  const p = clusters[client].transactionalProducer({ transactionalId });
  opened.push(p);
  return p;
}

function records(topic: string, prefix: string, n: number, partitions: number): OutgoingRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    topic,
    partition: i % partitions,
    key: Buffer.from(`${prefix}-k${i % 7}`),
    value: Buffer.from(`${prefix}-${i}`),
    headers: { seq: String(i) },
  }));
}

/**
 * Nothing committed for the group yet. Asked before the first transaction, as a processor's
 * consumer joins its group before it: on a brand-new broker this creates the offsets topic, and
 * kafkajs' `sendOffsets` does not retry the coordinator's NOT_COORDINATOR answers meanwhile
 * (seen: the first transaction on a fresh broker failed).
 */
async function noOffsetsYet(group: string, topic: string): Promise<void> {
  await admin.connect();
  let offsets: Map<number, number> | undefined;
  // The coordinator answers "loading" while the offsets topic is new.
  await eventually(
    async () => {
      offsets = await committed(admin, group, topic).catch(() => undefined);
      return offsets !== undefined;
    },
    { timeoutMs: 30_000, what: `the coordinator of group ${group}` },
  );
  expect([...offsets!.values()].every((o) => o === -1)).toBe(true);
}

/**
 * `commit` resolves once the coordinator decided the commit; it writes the markers (into the
 * partitions and the offsets topic) right after. Until they are written, read-committed readers
 * and offset fetches still see the state before: wait for the expected state, then assert it.
 */
async function settled<T>(read: () => Promise<T>, expected: T): Promise<T> {
  let got: T | undefined;
  await eventually(
    async () => {
      got = await read();
      return JSON.stringify(got) === JSON.stringify(expected);
    },
    { timeoutMs: 20_000, intervalMs: 200, what: 'the commit markers' },
  ).catch(() => undefined);
  return got as T;
}

const offsetsOf = (group: string, topic: string) => async () =>
  Object.fromEntries(await committed(admin, group, topic));

const values = (rs: readonly { value: Buffer | null }[]) => rs.map((r) => r.value?.toString()).sort();

describe.each(['kafkajs', 'platformatic'] as const)('transactional producer (%s)', (client) => {
  const cluster = clusters[client];

  it('commits records and offsets together: the records readable once with their offsets, the offsets committed', async () => {
    const [out, source, group] = [unique('txn-out'), unique('txn-in'), unique('txn-group')];
    await cluster.ensureTopics([
      { name: out, partitions: 3 },
      { name: source, partitions: 2 },
    ]);
    await noOffsetsYet(group, source);
    const p = producer(client, unique('txn'));
    await p.init();
    const first = records(out, 'a', 60, 3);
    const metas = await p.commit(first, group, [{ topic: source, partition: 1, offset: 42 }]);
    const second = records(out, 'b', 9, 3);
    const metas2 = await p.commit(second, group, [
      { topic: source, partition: 1, offset: 50 },
      { topic: source, partition: 0, offset: 7 },
    ]);
    // An offsets-only transaction (a batch without effects) right behind the previous commit.
    await p.commit([], group, [{ topic: source, partition: 0, offset: 8 }]);

    expect(await settled(offsetsOf(group, source), { 0: 8, 1: 50 })).toEqual({ 0: 8, 1: 50 });
    const all = values([...first, ...second]);
    let read: ConsumedRecord[] = [];
    await settled(async () => {
      read = await readTopic(cluster, out);
      return values(read);
    }, all);
    expect(values(read)).toEqual(all);
    // Each acknowledged offset holds the record it was acknowledged for (markers take offsets
    // too, so the offsets of one partition are increasing, not contiguous).
    const byPosition = new Map(read.map((r) => [`${r.partition}/${r.offset}`, r]));
    [...first, ...second].forEach((r, i) => {
      const meta = [...metas, ...metas2][i]!;
      expect(meta.partition).toBe(r.partition);
      const found = byPosition.get(`${meta.partition}/${meta.offset}`);
      expect(found?.value?.toString()).toBe(r.value?.toString());
      expect(found?.headers.seq).toBe(r.headers?.seq);
    });
  });

  it('aborts a transaction that failed half-way: none of its records, none of its offsets; the next one commits', async () => {
    const [out, source, group] = [unique('txn-out'), unique('txn-in'), unique('txn-group')];
    await cluster.ensureTopics([
      { name: out, partitions: 2 },
      { name: source, partitions: 1 },
    ]);
    await noOffsetsYet(group, source);
    const p = producer(client, unique('txn'));
    await p.init();
    // The small records leave in a first request and are written; the record over the broker's
    // message.max.bytes leaves in a second one, which the broker refuses: the transaction fails.
    const doomed: OutgoingRecord[] = [
      ...records(out, 'doomed', 20, 2),
      { topic: out, partition: 1, key: null, value: Buffer.alloc(1_200_000, 1) },
    ];
    await expect(p.commit(doomed, group, [{ topic: source, partition: 0, offset: 5 }])).rejects.toThrow();
    const kept = records(out, 'kept', 4, 2);
    await p.commit(kept, group, [{ topic: source, partition: 0, offset: 9 }]);

    expect(await settled(offsetsOf(group, source), { 0: 9 })).toEqual({ 0: 9 });
    const read = async () => values(await readTopic(cluster, out));
    expect(await settled(read, values(kept))).toEqual(values(kept));
  });

  it.each(['kafkajs', 'platformatic'] as const)(
    'is fenced by a newer producer of the same id (%s): its commit fails, the newer one commits',
    async (other) => {
      const [out, source, group] = [unique('txn-out'), unique('txn-in'), unique('txn-group')];
      await cluster.ensureTopics([
        { name: out, partitions: 2 },
        { name: source, partitions: 1 },
      ]);
      await noOffsetsYet(group, source);
      const id = unique('txn');
      const older = producer(client, id);
      await older.init();
      await older.commit(records(out, 'before', 4, 2), group, [{ topic: source, partition: 0, offset: 1 }]);
      const newer = producer(other, id);
      await newer.init();
      await expect(
        older.commit(records(out, 'zombie', 4, 2), group, [{ topic: source, partition: 0, offset: 2 }]),
      ).rejects.toThrow();
      await newer.commit(records(out, 'after', 4, 2), group, [{ topic: source, partition: 0, offset: 3 }]);

      expect(await settled(offsetsOf(group, source), { 0: 3 })).toEqual({ 0: 3 });
      const want = values([...records(out, 'before', 4, 2), ...records(out, 'after', 4, 2)]);
      const read = async () => values(await readTopic(cluster, out));
      expect(await settled(read, want)).toEqual(want);
    },
  );
});
