import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { levelStorage, memoryStorage, type Storage, type Store } from '../src/index.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'goka-store-'));
  dirs.push(dir);
  return dir;
}

async function collect(store: Store, range?: Parameters<Store['iterate']>[0]): Promise<string[]> {
  const out: string[] = [];
  for await (const [k, v] of store.iterate(range)) out.push(`${k}=${v.toString()}`);
  return out;
}

const builders: [string, () => Promise<Storage>][] = [
  ['memory', async () => memoryStorage()],
  ['level', async () => levelStorage({ path: await tempDir() })],
  // LevelDB's smallest memtable and cache: the same contract while memtables flush all the time.
  [
    'level (64 KiB write buffer)',
    async () => levelStorage({ path: await tempDir(), writeBufferSize: 64 * 1024, cacheSize: 256 * 1024 }),
  ],
];

describe.each(builders)('%s storage', (_name, build) => {
  it('writes values and the offset together and reads them back', async () => {
    const storage = await build();
    const store = await storage.open('t-table', 0);
    expect(await store.getOffset()).toBeUndefined();
    await store.write(
      [
        { type: 'put', key: 'b', value: Buffer.from('2') },
        { type: 'put', key: 'a', value: Buffer.from('1') },
        { type: 'put', key: 'c', value: Buffer.from('3') },
      ],
      3,
    );
    await store.write([{ type: 'del', key: 'c' }], 4);
    expect((await store.get('a'))?.toString()).toBe('1');
    expect(await store.get('c')).toBeUndefined();
    expect(await store.has('b')).toBe(true);
    expect(await store.has('c')).toBe(false);
    expect((await store.getMany(['a', 'x', 'b'])).map((v) => v?.toString())).toEqual(['1', undefined, '2']);
    expect(await store.getOffset()).toBe(4);
    await store.close();
  });

  it('iterates in key order within a range', async () => {
    const storage = await build();
    const store = await storage.open('t-table', 1);
    await store.write(
      ['k3', 'k1', 'k2', 'j9', 'l0'].map((key) => ({ type: 'put' as const, key, value: Buffer.from(key) })),
      5,
    );
    expect(await collect(store)).toEqual(['j9=j9', 'k1=k1', 'k2=k2', 'k3=k3', 'l0=l0']);
    expect(await collect(store, { gte: 'k', lt: 'l' })).toEqual(['k1=k1', 'k2=k2', 'k3=k3']);
    expect(await collect(store, { gt: 'k1', lte: 'k3' })).toEqual(['k2=k2', 'k3=k3']);
    expect(await collect(store, { gte: 'k', limit: 2 })).toEqual(['k1=k1', 'k2=k2']);
    expect(await collect(store, { reverse: true, limit: 2 })).toEqual(['l0=l0', 'k3=k3']);
    await store.close();
  });

  it('resumes from its checkpoint when reopened, and clear() forgets everything', async () => {
    const storage = await build();
    const first = await storage.open('t-table', 2);
    await first.write([{ type: 'put', key: 'x', value: Buffer.from('1') }], 42);
    await first.close();
    const again = await storage.open('t-table', 2);
    expect(await again.getOffset()).toBe(42);
    expect((await again.get('x'))?.toString()).toBe('1');
    await again.clear();
    expect(await again.getOffset()).toBeUndefined();
    expect(await again.get('x')).toBeUndefined();
    await again.close();
  });

  it('keeps partitions apart', async () => {
    const storage = await build();
    const p0 = await storage.open('t-table', 0);
    const p1 = await storage.open('t-table', 1);
    await p0.write([{ type: 'put', key: 'k', value: Buffer.from('p0') }], 1);
    expect(await p1.get('k')).toBeUndefined();
    await Promise.all([p0.close(), p1.close()]);
  });
});

describe('memory storage', () => {
  it('keeps copies, not slices of the buffers it was given', async () => {
    const store = await memoryStorage().open('t', 0);
    // Unpooled, like a fetch response's own buffer.
    const fetched = Buffer.alloc(9);
    fetched.write('aaaa-bbbb');
    await store.write([{ type: 'put', key: 'k', value: fetched.subarray(0, 4) }], 1);
    fetched.fill(0);
    const kept = await store.get('k');
    expect(kept?.toString()).toBe('aaaa');
    // Not a view of the 9-byte fetch buffer: its own 4 bytes.
    expect(kept?.buffer === fetched.buffer).toBe(false);
  });

  it('iterates in key order through puts and deletes, like a brute-force sort', async () => {
    const store = await memoryStorage().open('t', 0);
    const oracle = new Map<string, string>();
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let round = 0; round < 20; round++) {
      const ops = [];
      for (let i = 0; i < 50; i++) {
        const key = `k${rand() % 200}`;
        if (rand() % 4 === 0) {
          ops.push({ type: 'del' as const, key });
          oracle.delete(key);
        } else {
          const value = `v${round}-${i}`;
          ops.push({ type: 'put' as const, key, value: Buffer.from(value) });
          oracle.set(key, value);
        }
      }
      await store.write(ops, round);
      const expected = [...oracle]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${k}=${v}`);
      expect(await collect(store)).toEqual(expected);
      const lo = `k${rand() % 200}`;
      expect(await collect(store, { gte: lo, limit: 5 })).toEqual(
        expected.filter((e) => e.split('=')[0]! >= lo).slice(0, 5),
      );
      expect(await collect(store, { lt: lo, reverse: true })).toEqual(
        expected.filter((e) => e.split('=')[0]! < lo).reverse(),
      );
    }
  });
});

describe('level storage options', () => {
  it('keeps every value and the checkpoint through many memtable flushes (64 KiB write buffer), across a reopen', async () => {
    const path = await tempDir();
    const storage = levelStorage({ path, writeBufferSize: 64 * 1024, cacheSize: 256 * 1024 });
    const store = await storage.open('big-table', 0);
    const value = (i: number) => Buffer.alloc(1_000, i % 251);
    // 2 MB in 20 batches: about thirty memtables written out to level-0 files meanwhile.
    for (let b = 0; b < 20; b++) {
      await store.write(
        Array.from({ length: 100 }, (_, j) => ({
          type: 'put' as const,
          key: `k${b * 100 + j}`,
          value: value(b * 100 + j),
        })),
        (b + 1) * 100,
      );
    }
    // The option took effect: with LevelDB's default 4 MiB buffer 2 MB would still sit in the
    // memtable (and its log), with no table file written yet.
    const tables = (await readdir(join(path, 'big-table', '0'))).filter((f) => f.endsWith('.ldb'));
    expect(tables.length).toBeGreaterThan(0);
    await store.close();
    const reopened = await storage.open('big-table', 0);
    try {
      expect(await reopened.getOffset()).toBe(2_000);
      const keys = Array.from({ length: 2_000 }, (_, i) => `k${i}`);
      const values = await reopened.getMany(keys);
      expect(values.every((v, i) => v?.equals(value(i)))).toBe(true);
    } finally {
      await reopened.close();
    }
  });
});
