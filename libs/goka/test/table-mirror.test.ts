import { afterEach, describe, expect, it } from 'vitest';
import {
  json,
  memoryCluster,
  memoryStorage,
  partitionFor,
  type Storage,
  TableMirror,
  View,
} from '../src/index.ts';
import { until } from './support/gated-cluster.ts';
import { testLogger } from './support/kafka.ts';

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.allSettled(stops.splice(0).map((s) => s()));
});

/** A compacted table of two partitions on the memory cluster, written directly. */
function table() {
  const cluster = memoryCluster({ partitions: 2 });
  cluster.createTopic({ name: 't', partitions: 2, compacted: true });
  const producer = cluster.producer();
  const put = (key: string, value: number | null) =>
    producer.send([
      {
        topic: 't',
        partition: partitionFor(key, 2),
        key: Buffer.from(key),
        value: value === null ? null : Buffer.from(JSON.stringify(value)),
      },
    ]);
  const view = (storage: Storage = memoryStorage()) => {
    const v = new View({ cluster, table: 't', codec: json<number>(), storage, logger: testLogger() });
    stops.push(() => v.stop());
    return v;
  };
  return { put, view };
}

describe('View.subscribe: a subscription with an initial snapshot', () => {
  it('subscribed before start, it has every row once the view runs, then each change', async () => {
    const { put, view } = table();
    await put('a', 1);
    await put('bb', 2);
    await put('a', 3);
    const v = view();
    const rows = new Map<string, number>();
    v.subscribe((key, value) => (value === undefined ? rows.delete(key) : rows.set(key, value)));
    await v.start();
    expect(Object.fromEntries(rows)).toEqual({ a: 3, bb: 2 });
    await put('c', 4);
    await put('bb', null);
    await until(() => rows.has('c') && !rows.has('bb'), 'the live changes');
    expect(Object.fromEntries(rows)).toEqual({ a: 3, c: 4 });
  });

  it('a restarted view hands over what its stores already held on opening', async () => {
    const { put, view } = table();
    await put('a', 1);
    await put('bb', 2);
    const storage = memoryStorage();
    const first = view(storage);
    await first.start();
    await first.stop();
    const rows = new Map<string, number | undefined>();
    const again = view(storage);
    again.subscribe((key, value) => rows.set(key, value));
    await again.start();
    expect(Object.fromEntries(rows)).toEqual({ a: 1, bb: 2 });
  });

  it('subscribed while the view runs, it reads the rows held now and follows the changes', async () => {
    const { put, view } = table();
    await put('a', 1);
    await put('bb', 2);
    const v = view();
    await v.start();
    const rows = new Map<string, number>();
    const subscription = v.subscribe((key, value) =>
      value === undefined ? rows.delete(key) : rows.set(key, value),
    );
    await subscription.snapshotted;
    expect(Object.fromEntries(rows)).toEqual({ a: 1, bb: 2 });
    await put('a', 5);
    await until(() => rows.get('a') === 5, 'the change');
    subscription.close();
    await put('a', 6);
    await until(async () => (await v.get('a')) === 6, 'the view has the change');
    expect(rows.get('a')).toBe(5);
  });

  it('a snapshot of a view that stops before it runs rejects', async () => {
    const { view } = table();
    const v = view();
    const subscription = v.subscribe(() => undefined);
    const started = v.start().catch(() => undefined);
    await v.stop();
    await started;
    await expect(subscription.snapshotted).rejects.toThrow(/view t is (stopping|stopped)/);
  });
});

describe('TableMirror', () => {
  it('keeps the projected rows in memory, counts changes and tells listeners', async () => {
    const { put, view } = table();
    await put('a', 1);
    await put('bb', -2);
    const v = view();
    // Negative values are projected away: the mirror keeps nothing for them.
    const mirror = new TableMirror(v, (_key, value: number) => (value >= 0 ? value * 10 : undefined));
    const changes: [string, number | undefined][] = [];
    mirror.onChange((key, value) => changes.push([key, value]));
    await v.start();
    await mirror.ready();
    expect(Object.fromEntries(mirror.entries())).toEqual({ a: 10 });
    expect(mirror.size).toBe(1);
    const version = mirror.version;
    await put('bb', 3);
    await put('a', null);
    await until(() => mirror.get('bb') === 30 && mirror.get('a') === undefined, 'the changes');
    expect(mirror.version).toBe(version + 2);
    expect(changes.slice(-2)).toEqual([
      ['bb', 30],
      ['a', undefined],
    ]);
    mirror.close();
    await put('c', 7);
    await until(async () => (await v.get('c')) === 7, 'the view has it');
    expect(mirror.get('c')).toBeUndefined();
  });
});
