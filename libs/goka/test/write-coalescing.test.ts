import { afterEach, describe, expect, it } from 'vitest';
import {
  createTester,
  defineGroup,
  input,
  type MemoryCluster,
  memoryCluster,
  memoryStorage,
  Processor,
  type ProcessorOptions,
  persist,
  string,
} from '../src/index.ts';
import { until } from './support/gated-cluster.ts';
import { HeldCluster } from './support/held-cluster.ts';
import { testLogger } from './support/kafka.ts';

// Write coalescing on the memory cluster: what reaches the changelog, when, and which input
// offsets are committed meanwhile. One partition, so every message shares one table partition.

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.allSettled(stops.splice(0).map((s) => s()));
});

/** Counts messages per key; the table value is the count as a string ("1", "2", …). */
function counter(name: string) {
  return defineGroup(
    name,
    persist(string()),
    input('events', string(), (ctx) => {
      ctx.setValue(String(Number(ctx.value() ?? '0') + 1));
    }),
  );
}

function setup(name: string) {
  const cluster = memoryCluster({ partitions: 1 });
  cluster.createTopic({ name: 'events', partitions: 1 });
  return { cluster, group: counter(name) };
}

async function run(
  group: ReturnType<typeof counter>,
  options: Omit<ProcessorOptions, 'logger'>,
): Promise<Processor<unknown, unknown>> {
  const p = new Processor(group as never, { logger: testLogger(), ...options }) as Processor<
    unknown,
    unknown
  >;
  stops.push(() => p.stop());
  await p.start();
  return p;
}

/** Appends the keys to `events` in one produce request (so they are delivered in one batch). */
async function send(cluster: MemoryCluster, keys: readonly string[]): Promise<void> {
  await cluster
    .producer()
    .send(keys.map((k) => ({ topic: 'events', partition: 0, key: Buffer.from(k), value: Buffer.from('x') })));
}

function changelog(cluster: MemoryCluster, table: string): [string, string | null][] {
  return cluster.records(table, 0).map((r) => [r.key!.toString(), r.value?.toString() ?? null]);
}

/** The uncoalesced changelog of a counter: every message writes its key's running count. */
function everyWrite(keys: readonly string[]): [string, string][] {
  const counts = new Map<string, number>();
  return keys.map((k) => {
    counts.set(k, (counts.get(k) ?? 0) + 1);
    return [k, String(counts.get(k))];
  });
}

/** Oracle of one window: each key's last write only, in the order of those last writes. */
function lastWrites(writes: readonly [string, string][]): [string, string][] {
  const last = new Map<string, number>();
  for (const [i, [k]] of writes.entries()) last.set(k, i);
  return writes.filter(([k], i) => last.get(k) === i);
}

const processed = (p: Processor<unknown, unknown>) => p.stats().processed;

describe('write coalescing (at-least-once)', () => {
  it('writes of one key in a window reach the changelog once, with the last value; different keys in last-update order', async () => {
    const { cluster, group } = setup('coalesce-window');
    const p = await run(group, { cluster, coalesce: { windowMs: 60_000 } });
    const keys = ['a', 'b', 'a', 'c', 'b', 'a', 'constructor', 'c', 'a'];
    await send(cluster, keys);
    await until(() => processed(p) === keys.length, 'all processed');
    // Held back: the window is a minute long, nothing was sent, nothing is committed; the
    // callbacks still read their own pending writes (the counts below are 4, not 1).
    expect(changelog(cluster, group.table)).toEqual([]);
    expect(cluster.committedOffset(group.name, 'events', 0) ?? 0).toBe(0);
    expect(p.stats().partitions[0]!.inFlight).toBe(keys.length);
    // Stopping flushes the held writes before it commits.
    await p.stop();
    expect(changelog(cluster, group.table)).toEqual(lastWrites(everyWrite(keys)));
    expect(changelog(cluster, group.table)).toEqual([
      ['b', '2'],
      ['constructor', '1'],
      ['c', '2'],
      ['a', '4'],
    ]);
    expect(cluster.committedOffset(group.name, 'events', 0)).toBe(keys.length);
  });

  it('the time bound sends what is held once the window has passed, and only then commits', async () => {
    const { cluster, group } = setup('coalesce-time');
    const p = await run(group, { cluster, coalesce: { windowMs: 1_000 } });
    await send(cluster, ['a', 'a', 'b']);
    await until(() => processed(p) === 3, 'processed');
    expect(changelog(cluster, group.table)).toEqual([]);
    await until(() => cluster.committedOffset(group.name, 'events', 0) === 3, 'committed after the window');
    expect(changelog(cluster, group.table)).toEqual([
      ['a', '2'],
      ['b', '1'],
    ]);
    // The next window starts with the next write: the same key is written again.
    await send(cluster, ['a']);
    await until(() => cluster.committedOffset(group.name, 'events', 0) === 4, 'second window committed');
    expect(changelog(cluster, group.table).at(-1)).toEqual(['a', '3']);
    expect(p.state).toBe('running');
  });

  it('the size bound sends what is held as soon as it holds maxBytes, whatever the window', async () => {
    const { cluster, group } = setup('coalesce-bytes');
    // A held write of a one-character key and a one-character value counts 48 + 2 + 1 bytes:
    // the third distinct key reaches 153 >= 150 and sends all three.
    const p = await run(group, { cluster, coalesce: { windowMs: 60_000, maxBytes: 150 } });
    const keys = ['a', 'a', 'b', 'c', 'd', 'e', 'd', 'f', 'g'];
    await send(cluster, keys);
    await until(() => processed(p) === keys.length, 'processed');
    // Windows: [a a b c] → a:2 b:1 c:1; [d e d f] → e:1 d:2 f:1; g:1 still held.
    await until(() => changelog(cluster, group.table).length === 6, 'two windows sent');
    expect(changelog(cluster, group.table)).toEqual([
      ...lastWrites(everyWrite(keys).slice(0, 4)),
      ...lastWrites(everyWrite(keys).slice(4, 8)),
    ]);
    await until(() => cluster.committedOffset(group.name, 'events', 0) === 8, 'committed up to g');
    expect(cluster.committedOffset(group.name, 'events', 0)).toBe(8);
    await p.stop();
    expect(changelog(cluster, group.table).at(-1)).toEqual(['g', '1']);
    expect(cluster.committedOffset(group.name, 'events', 0)).toBe(9);
  });

  it('a failed flush commits nothing past the acknowledged prefix, and a restart loses and doubles nothing', async () => {
    const { cluster: inner, group } = setup('coalesce-failure');
    const held = new HeldCluster(inner);
    const storage = memoryStorage();
    // The flush that carries key b's write is held, then fails.
    held.failSendsWhen = (records) =>
      records.some((r) => r.topic === group.table && r.key?.toString() === 'b');
    const p = await run(group, { cluster: held.cluster, storage, coalesce: { windowMs: 50 } });
    await send(inner, ['a', 'a']);
    await until(() => inner.committedOffset(group.name, 'events', 0) === 2, 'first window committed');
    await send(inner, ['b', 'a', 'b', 'b']);
    await until(() => held.heldSendCount === 1, 'the flush with b in flight');
    held.releaseSends();
    await expect(p.done()).rejects.toThrow(/writing effects of partition 0 failed/);
    await p.stop();
    expect(inner.committedOffset(group.name, 'events', 0)).toBe(2);
    expect(changelog(inner, group.table)).toEqual([['a', '2']]);
    // A new instance recovers the table from the changelog and processes from offset 2 again:
    // the counts equal a fold over the input, none counted twice or lost.
    const again = await run(group, { cluster: inner, coalesce: { windowMs: 50 } });
    await until(() => inner.committedOffset(group.name, 'events', 0) === 6, 'reprocessed');
    await again.stop();
    const table = new Map(changelog(inner, group.table));
    expect(Object.fromEntries(table)).toEqual({ a: '3', b: '3' });
  });

  it('is off by default: every write reaches the changelog', async () => {
    const { cluster, group } = setup('coalesce-off');
    const p = await run(group, { cluster });
    const keys = ['a', 'a', 'b', 'a'];
    await send(cluster, keys);
    await until(() => cluster.committedOffset(group.name, 'events', 0) === 4, 'committed');
    expect(changelog(cluster, group.table)).toEqual(everyWrite(keys));
    await p.stop();
  });

  it('rejects bounds that are not finite numbers', () => {
    const { cluster, group } = setup('coalesce-options');
    const start = (coalesce: ProcessorOptions['coalesce']) =>
      new Processor(group, { cluster, coalesce }).start();
    return Promise.all([
      expect(start({ windowMs: Number.POSITIVE_INFINITY })).rejects.toThrow(/coalesce.windowMs/),
      expect(start({ maxBytes: 0 })).rejects.toThrow(/coalesce.maxBytes/),
    ]);
  });
});

describe('write coalescing (exactly-once)', () => {
  it('coalesces inside each transaction: one write per key and batch, with the offsets', async () => {
    const { cluster, group } = setup('coalesce-eos');
    const p = await run(group, { cluster, guarantee: 'exactly-once', coalesce: true });
    const keys = ['a', 'b', 'a', 'b', 'a'];
    await send(cluster, keys);
    await until(() => cluster.committedOffset(group.name, 'events', 0) === 5, 'committed');
    expect(changelog(cluster, group.table)).toEqual([
      ['b', '2'],
      ['a', '3'],
    ]);
    await send(cluster, ['b']);
    await until(() => cluster.committedOffset(group.name, 'events', 0) === 6, 'second batch');
    expect(changelog(cluster, group.table).at(-1)).toEqual(['b', '3']);
    await p.stop();
  });
});

describe('write coalescing in the tester', () => {
  it('consume() waits for the held writes: the table shows every message', async () => {
    const t = createTester({ partitions: 2 });
    stops.push(() => t.stop());
    const group = counter('coalesce-tester');
    await t.processor(group, { coalesce: { windowMs: 30 } });
    for (let i = 0; i < 5; i++) await t.consume('events', 'k', 'x');
    expect(t.tableValue(group, 'k')).toBe('5');
  });
});
