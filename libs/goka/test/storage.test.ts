import { mkdtemp, rm } from 'node:fs/promises';
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
