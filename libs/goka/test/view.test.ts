import { afterEach, describe, expect, it } from 'vitest';
import {
  defineGroup,
  Emitter,
  input,
  json,
  memoryCluster,
  Processor,
  persist,
  string,
  View,
  type ViewUpdate,
} from '../src/index.ts';
import { until } from './support/gated-cluster.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

function lastWriteWins() {
  return defineGroup(
    'profiles',
    persist(json<{ name: string; v: number }>()),
    input('profile-changes', json<{ name: string; v: number } | { deleted: true }>(), (ctx, m) => {
      if ('deleted' in m) ctx.delete();
      else ctx.setValue(m);
    }),
  );
}

describe('View', () => {
  it('recovers a whole table, then follows it, emitting every update in order per key', async () => {
    const cluster = memoryCluster({ partitions: 4 });
    const g = lastWriteWins();
    const p = new Processor(g, { cluster });
    await p.start();
    stops.push(() => p.stop());
    const e = new Emitter({
      cluster,
      topic: 'profile-changes',
      codec: json<{ name: string; v: number } | { deleted: true }>(),
    });
    stops.push(() => e.close());
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => e.emit(`u${i % 10}`, { name: `u${i % 10}`, v: i })),
    );

    await until(
      () => p.stats().processed === 40 && p.stats().partitions.every((q) => q.inFlight === 0),
      'the table written',
    );

    const v = new View({ cluster, table: g.table, codec: json<{ name: string; v: number }>() });
    const started = v.start();
    stops.push(() => v.stop());
    // A get issued during recovery waits for it instead of answering from a partial table.
    const early = v.get('u3');
    expect(v.state).toBe('recovering');
    await started;
    expect((await early)?.v).toBe(33);
    expect(v.stats().recovery).toMatchObject({ done: 40, total: 40, finished: true });

    const updates: ViewUpdate<{ name: string; v: number }>[] = [];
    v.on('update', (u) => updates.push(u));
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => e.emit(`u${i}`, { name: `u${i}`, v: 100 + round })),
      );
    }
    await e.emit('u0', { deleted: true });
    await until(() => updates.length === 51, '51 updates');
    for (let i = 1; i < 10; i++) {
      expect(updates.filter((u) => u.key === `u${i}`).map((u) => u.value?.v)).toEqual([
        100, 101, 102, 103, 104,
      ]);
    }
    expect(updates.filter((u) => u.key === 'u0').map((u) => u.value?.v)).toEqual([
      100,
      101,
      102,
      103,
      104,
      undefined,
    ]);
    expect(await v.get('u0')).toBeUndefined();
    expect(await v.has('u5')).toBe(true);
    expect((await v.get('u5'))?.v).toBe(104);
  });

  it('iterates all partitions in key order, with ranges and limits', async () => {
    const cluster = memoryCluster({ partitions: 3 });
    const g = lastWriteWins();
    const p = new Processor(g, { cluster });
    await p.start();
    stops.push(() => p.stop());
    const e = new Emitter({ cluster, topic: 'profile-changes', codec: json<{ name: string; v: number }>() });
    stops.push(() => e.close());
    const keys = Array.from({ length: 30 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    await Promise.all(keys.map((k, i) => e.emit(k, { name: k, v: i })));
    const v = new View({ cluster, table: g.table, codec: json<{ name: string; v: number }>() });
    await v.start();
    stops.push(() => v.stop());
    await until(async () => (await v.get('k29')) !== undefined, 'last key visible');
    const all: string[] = [];
    for await (const [k] of v.iterate()) all.push(k);
    expect(all).toEqual(keys);
    const some: string[] = [];
    for await (const [k, val] of v.iterate({ gte: 'k10', lt: 'k20', limit: 5 })) some.push(`${k}:${val.v}`);
    expect(some).toEqual(['k10:10', 'k11:11', 'k12:12', 'k13:13', 'k14:14']);
    const reversed: string[] = [];
    for await (const [k] of v.iterate({ reverse: true, limit: 3 })) reversed.push(k);
    expect(reversed).toEqual(['k29', 'k28', 'k27']);
  });

  it('fails visibly on a missing table when the cluster may not create topics', async () => {
    const cluster = memoryCluster({ autoCreateTopics: false });
    const v = new View({ cluster, table: 'nope-table', codec: string() });
    await expect(v.start()).rejects.toThrow(/table topic "nope-table" does not exist/);
    expect(v.state).toBe('failed');
    await expect(v.get('x')).rejects.toThrow(/does not exist/);
  });
});
