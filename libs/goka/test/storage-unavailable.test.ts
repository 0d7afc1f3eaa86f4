import { describe, expect, it } from 'vitest';
import {
  asStorageError,
  StorageUnavailable,
  storageUnavailable,
} from '../src/storage/storage-unavailable.ts';

/** Which store errors mean "the disk, for now" (a partition stalls) and which stay failures. */
describe('StorageUnavailable', () => {
  const levelIo = (message: string) => Object.assign(new Error(message), { code: 'LEVEL_IO_ERROR' });

  it.each([
    ['IO error: /d/000003.log: No space left on device', 'ENOSPC'],
    ['IO error: /d/000003.log: Read-only file system', 'EROFS'],
    ['IO error: /d/LOCK: Permission denied', 'EACCES'],
    ['IO error: /d/MANIFEST-000002: Disk quota exceeded', 'EDQUOT'],
    ['IO error: /d/000005.ldb: Input/output error', 'EIO'],
    ['IO error: /d/000005.ldb: something new', 'EIO'],
  ])('LevelDB %s is %s', (message, code) => {
    const error = asStorageError(levelIo(message), 't/0');
    expect(error).toBeInstanceOf(StorageUnavailable);
    expect((error as StorageUnavailable).code).toBe(code);
    expect((error as StorageUnavailable).message).toBe(`table store unavailable: ${code}: ${message} (t/0)`);
  });

  it('a failed open keeps the IO error as its cause', () => {
    const open = Object.assign(new Error('Database failed to open'), {
      code: 'LEVEL_DATABASE_NOT_OPEN',
      cause: levelIo('IO error: /d/000005.ldb: No space left on device'),
    });
    expect((asStorageError(open, 't/0') as StorageUnavailable).code).toBe('ENOSPC');
  });

  it("node's errno codes of a full or unwritable disk count; others do not", () => {
    const errno = (code: string) => Object.assign(new Error(`${code}: x`), { code });
    for (const code of ['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EACCES'])
      expect(asStorageError(errno(code), 't/0')).toBeInstanceOf(StorageUnavailable);
    for (const code of ['ENOTDIR', 'EMFILE'])
      expect(asStorageError(errno(code), 't/0')).not.toBeInstanceOf(StorageUnavailable);
  });

  it('corruption, a lock held elsewhere and a closed store stay failures', () => {
    const corrupt = Object.assign(new Error('Corruption: bad block'), { code: 'LEVEL_CORRUPTION' });
    const locked = Object.assign(new Error('Database is locked'), { code: 'LEVEL_LOCKED' });
    for (const error of [corrupt, locked, new Error('store is closed')]) {
      expect(asStorageError(error, 't/0')).toBe(error);
    }
  });

  it('is found through wrappers (a replica wraps its store error)', () => {
    const inner = asStorageError(levelIo('IO error: /d/1.log: No space left on device'), 't/0');
    const wrapped = new Error('replica: cannot write t/0 to its store', { cause: inner });
    expect(storageUnavailable(wrapped)).toBe(inner);
    expect(storageUnavailable(new Error('other'))).toBeUndefined();
  });
});
