import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  defineGroup,
  Emitter,
  input,
  json,
  levelStorage,
  memoryCluster,
  memoryStorage,
  Processor,
  persist,
  string,
  View,
} from '../src/index.ts';
import { until } from './support/gated-cluster.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function countingGroup(calls: { n: number }) {
  return defineGroup(
    'tally',
    persist(json<{ count: number; ids: string[] }>()),
    input('votes', string(), (ctx, id) => {
      calls.n++;
      const cur = ctx.value() ?? { count: 0, ids: [] };
      ctx.setValue({ count: cur.count + 1, ids: [...cur.ids, id] });
    }),
  );
}

async function emitVotes(e: Emitter<string>, from: number, to: number) {
  await Promise.all(
    Array.from({ length: to - from }, (_, i) => e.emit(`key-${(from + i) % 7}`, `v${from + i}`)),
  );
}

async function snapshot(cluster: ReturnType<typeof memoryCluster>, table: string) {
  const v = new View({ cluster, table, codec: json<{ count: number; ids: string[] }>() });
  await v.start();
  const out: Record<string, { count: number; ids: string[] }> = {};
  for await (const [k, val] of v.iterate()) out[k] = val;
  await v.stop();
  return out;
}

describe('restart and recovery', () => {
  it('a processor restarted on the same LevelDB path resumes without reprocessing or double-applying', async () => {
    const path = await mkdtemp(join(tmpdir(), 'goka-restart-'));
    dirs.push(path);
    const cluster = memoryCluster({ partitions: 3 });
    const calls = { n: 0 };
    const g = countingGroup(calls);
    const e = new Emitter({ cluster, topic: 'votes', codec: string() });

    const first = new Processor(g, { cluster, storage: levelStorage({ path }) });
    await first.start();
    await emitVotes(e, 0, 300);
    await until(() => first.stats().processed === 300, '300 processed');
    await first.stop();

    const second = new Processor(g, { cluster, storage: levelStorage({ path }) });
    await second.start();
    // Nothing was replayed from the changelog: the stores were at their checkpoints.
    expect(second.stats().recovery.total).toBe(0);
    await emitVotes(e, 300, 350);
    await until(() => second.stats().processed === 50, '50 more processed');
    // Positions continue from the first instance's commits: lag can be computed from them.
    const positions = second.stats().partitions.map((p) => p.positions.votes?.consumed ?? 0);
    expect(positions.reduce((a, b) => a + b, 0)).toBe(350);
    await second.stop();
    await e.close();

    expect(calls.n).toBe(350);
    const table = await snapshot(cluster, g.table);
    expect(Object.values(table).reduce((n, v) => n + v.count, 0)).toBe(350);
    for (const v of Object.values(table)) expect(new Set(v.ids).size).toBe(v.count);
  });

  it('an empty store is rebuilt from the changelog to the exact table', async () => {
    const cluster = memoryCluster({ partitions: 3 });
    const calls = { n: 0 };
    const g = countingGroup(calls);
    const e = new Emitter({ cluster, topic: 'votes', codec: string() });
    const first = new Processor(g, { cluster, storage: memoryStorage() });
    await first.start();
    await emitVotes(e, 0, 200);
    await until(() => first.stats().processed === 200, '200 processed');
    await first.stop();
    const before = await snapshot(cluster, g.table);

    const rebuilt = new Processor(g, { cluster, storage: memoryStorage() });
    await rebuilt.start();
    expect(rebuilt.stats().recovery).toMatchObject({ done: 200, total: 200, finished: true });
    await emitVotes(e, 200, 210);
    await until(() => rebuilt.stats().processed === 10, '10 more processed');
    await rebuilt.stop();
    await e.close();
    expect(calls.n).toBe(210);
    const after = await snapshot(cluster, g.table);
    for (const [k, v] of Object.entries(before)) {
      expect(after[k]!.ids.slice(0, v.count)).toEqual(v.ids);
    }
    expect(Object.values(after).reduce((n, v) => n + v.count, 0)).toBe(210);
  });

  it('recovers from a compacted changelog', async () => {
    const cluster = memoryCluster({ partitions: 2 });
    const calls = { n: 0 };
    const g = countingGroup(calls);
    const e = new Emitter({ cluster, topic: 'votes', codec: string() });
    const p = new Processor(g, { cluster });
    await p.start();
    await emitVotes(e, 0, 100);
    await until(() => p.stats().processed === 100, '100 processed');
    await p.stop();
    cluster.compact(g.table);
    expect(cluster.records(g.table, 0).length + cluster.records(g.table, 1).length).toBe(7);
    const fresh = new Processor(g, { cluster });
    await fresh.start();
    await emitVotes(e, 100, 107);
    await until(() => fresh.stats().processed === 7, '7 more processed');
    await fresh.stop();
    await e.close();
    const table = await snapshot(cluster, g.table);
    // 107 votes round-robin over key-0..key-6: the first two keys got one more.
    expect(Object.entries(table).map(([k, v]) => `${k}:${v.count}`)).toEqual([
      'key-0:16',
      'key-1:16',
      'key-2:15',
      'key-3:15',
      'key-4:15',
      'key-5:15',
      'key-6:15',
    ]);
  });

  it('instances of one group share the partitions and hand them over on stop', async () => {
    const cluster = memoryCluster({ partitions: 6 });
    const calls = { n: 0 };
    const g = countingGroup(calls);
    const storage = memoryStorage();
    const e = new Emitter({ cluster, topic: 'votes', codec: string() });
    const a = new Processor(g, { cluster, storage: memoryStorage() });
    const b = new Processor(g, { cluster, storage });
    await a.start();
    await b.start();
    expect([...a.partitions, ...b.partitions].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(a.partitions).toHaveLength(3);
    await emitVotes(e, 0, 500);
    await until(() => calls.n === 500, '500 processed');
    await a.stop();
    expect(b.partitions).toEqual([0, 1, 2, 3, 4, 5]);
    await emitVotes(e, 500, 600);
    await until(() => calls.n === 600, '600 processed');
    await b.stop();
    await e.close();
    const table = await snapshot(cluster, g.table);
    // A clean handover: no message processed twice.
    expect(Object.values(table).reduce((n, v) => n + v.count, 0)).toBe(600);
  });
});
