import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dirBytes, levelDbLogBytes, openDescriptors, rssBytes } from '../src/proc.ts';

describe('/proc readings', () => {
  it('reads this process: resident memory near what Node reports, a listening socket counted', async () => {
    const rss = rssBytes(process.pid);
    expect(rss).toBeGreaterThan(0);
    // Same quantity as Node's own figure, taken a moment apart.
    expect(Math.abs((rss ?? 0) - process.memoryUsage().rss)).toBeLessThan(64 * 2 ** 20);
    const before = openDescriptors(process.pid);
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const during = openDescriptors(process.pid);
      expect(during?.sockets).toBe((before?.sockets ?? 0) + 1);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it('says undefined for a process that does not exist', () => {
    expect(rssBytes(2 ** 22 + 1)).toBeUndefined();
    expect(openDescriptors(2 ** 22 + 1)).toBeUndefined();
  });

  it('adds up the disk space of the files below a directory, nested ones included, sparse ones as written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'simkit-proc-'));
    try {
      writeFileSync(join(dir, 'a'), randomBytes(100_000));
      mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
      writeFileSync(join(dir, 'sub', 'deeper', 'b'), randomBytes(50_000));
      const written = dirBytes(dir);
      // Whole blocks: at least what was written, at most a few blocks more per file.
      expect(written).toBeGreaterThanOrEqual(150_000);
      expect(written).toBeLessThan(150_000 + 2 * 64 * 1024);
      // A 100 MiB sparse file (how Kafka preallocates index files) adds next to nothing.
      writeFileSync(join(dir, 'sparse'), '');
      truncateSync(join(dir, 'sparse'), 100 * 2 ** 20);
      expect(dirBytes(dir) - written).toBeLessThan(64 * 1024);
      expect(dirBytes(join(dir, 'missing'))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("counts only LevelDB's write-ahead logs of the stores below a directory", () => {
    const dir = mkdtempSync(join(tmpdir(), 'simkit-leveldb-'));
    try {
      for (const p of ['0', '1']) {
        const store = join(dir, 'group', 'group-table', p);
        mkdirSync(store, { recursive: true });
        writeFileSync(join(store, '000003.log'), randomBytes(40_000));
        writeFileSync(join(store, '000005.ldb'), randomBytes(100_000));
        writeFileSync(join(store, 'LOG'), 'info log');
        writeFileSync(join(store, 'LOG.old'), 'older info log');
      }
      const logs = levelDbLogBytes(dir);
      expect(logs).toBeGreaterThanOrEqual(80_000);
      expect(logs).toBeLessThan(80_000 + 2 * 64 * 1024);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
