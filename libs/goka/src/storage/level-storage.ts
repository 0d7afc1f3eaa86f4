import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import type { KeyRange, Storage, Store, StoreOp } from './storage.ts';
import { asStorageError } from './storage-unavailable.ts';

// Values and metadata live in one LevelDB under two key prefixes, so a value batch and its
// offset are one atomic LevelDB batch. '\x00' sorts before any printable key.
const DATA = 'd\x00';
const META_OFFSET = 'm\x00offset';

/**
 * Errors of the disk (a full or read-only file system, an I/O error) leave every method as a
 * `StorageUnavailable`, so the processor can tell "the disk, for now" from "this store is
 * broken". LevelDB keeps refusing writes after one failed (its background error is sticky until
 * the database is reopened): the partition reopens its store when it starts over.
 */
class LevelStore implements Store {
  constructor(
    private readonly db: ClassicLevel<string, Buffer>,
    private readonly name: string,
  ) {}

  private fail(error: unknown): never {
    throw asStorageError(error, this.name);
  }

  async get(key: string) {
    return this.db.get(DATA + key).catch((e: unknown) => this.fail(e));
  }
  async getMany(keys: readonly string[]) {
    if (keys.length === 0) return [];
    return this.db.getMany(keys.map((k) => DATA + k)).catch((e: unknown) => this.fail(e));
  }
  async has(key: string) {
    return (await this.get(key)) !== undefined;
  }
  async *iterate(range?: KeyRange): AsyncIterable<[string, Buffer]> {
    const options: {
      gt?: string;
      gte?: string;
      lt?: string;
      lte?: string;
      limit?: number;
      reverse?: boolean;
    } = {
      limit: range?.limit ?? -1,
      reverse: range?.reverse ?? false,
    };
    if (range?.gt !== undefined) options.gt = DATA + range.gt;
    else options.gte = DATA + (range?.gte ?? '');
    if (range?.lt !== undefined) options.lt = DATA + range.lt;
    else if (range?.lte !== undefined) options.lte = DATA + range.lte;
    else options.lt = 'd\x01';
    for await (const [key, value] of this.db.iterator(options)) {
      yield [key.slice(DATA.length), value];
    }
  }
  async write(ops: readonly StoreOp[], offset: number) {
    const batch = this.db.batch();
    for (const op of ops) {
      if (op.type === 'put') batch.put(DATA + op.key, op.value);
      else batch.del(DATA + op.key);
    }
    batch.put(META_OFFSET, encodeOffset(offset));
    await batch.write().catch((e: unknown) => this.fail(e));
  }
  async getOffset() {
    const raw = await this.db.get(META_OFFSET).catch((e: unknown) => this.fail(e));
    return raw === undefined ? undefined : Number(raw.readBigInt64BE(0));
  }
  async clear() {
    await this.db.clear().catch((e: unknown) => this.fail(e));
  }
  async close() {
    await this.db.close();
  }
}

function encodeOffset(offset: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(offset));
  return b;
}

export interface LevelStorageOptions {
  readonly path: string;
  /**
   * LevelDB's memtable size per partition store (bytes; LevelDB's default 4 MiB). Up to two
   * memtables per store are in memory while one is written out; larger ones mean fewer, bigger
   * level-0 files on a recovery's bulk writes.
   */
  readonly writeBufferSize?: number;
  /** LevelDB's block cache per partition store (bytes; LevelDB's default 8 MiB). */
  readonly cacheSize?: number;
}

/** One LevelDB (classic-level) per topic-partition under `path/<topic>/<partition>`. */
export function levelStorage(options: LevelStorageOptions): Storage {
  return {
    description: `level ${options.path}`,
    async open(topic, partition) {
      const dir = join(options.path, topic, String(partition));
      const name = `${topic}/${partition} at ${dir}`;
      try {
        await mkdir(dir, { recursive: true });
      } catch (error) {
        throw asStorageError(error, name);
      }
      const db = new ClassicLevel<string, Buffer>(dir, {
        keyEncoding: 'utf8',
        valueEncoding: 'buffer',
        ...(options.writeBufferSize !== undefined ? { writeBufferSize: options.writeBufferSize } : {}),
        ...(options.cacheSize !== undefined ? { cacheSize: options.cacheSize } : {}),
      });
      // Opening writes too (the log's tail becomes a table file, a new log and manifest start).
      await db.open().catch((error: unknown) => {
        throw asStorageError(error, name);
      });
      return new LevelStore(db, name);
    },
  };
}
