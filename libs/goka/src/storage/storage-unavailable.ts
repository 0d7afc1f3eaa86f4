/**
 * A table store the disk refuses: full (ENOSPC, EDQUOT), read-only (EROFS), unwritable (EACCES)
 * or failing (EIO). Unlike a corrupt store or a bug, this passes once the disk is back: the
 * partition that owns the store stalls and starts over (partition-tasks.ts) instead of failing
 * the processor. `code` is the errno-like reason, `message` says which store and why.
 */
export class StorageUnavailable extends Error {
  constructor(
    readonly store: string,
    readonly code: string,
    detail: string,
    cause: unknown,
  ) {
    super(`table store unavailable: ${code}: ${detail} (${store})`, { cause });
    this.name = 'StorageUnavailable';
  }
}

/** Node's errno codes that mean "the disk will not take this write right now". */
const DISK_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EACCES']);

/**
 * LevelDB reports file system failures as `IO error: <file>: <strerror>` (classic-level gives
 * them code LEVEL_IO_ERROR; an open that fails so is LEVEL_DATABASE_NOT_OPEN with that cause).
 * The strerror text names the errno.
 */
const STRERROR: readonly (readonly [RegExp, string])[] = [
  [/no space left on device/i, 'ENOSPC'],
  [/disk quota exceeded/i, 'EDQUOT'],
  [/read-only file system/i, 'EROFS'],
  [/input\/output error/i, 'EIO'],
  [/permission denied/i, 'EACCES'],
];

interface ErrorFacts {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
}

/** The disk-related code of `error` or of an error in its cause chain; undefined otherwise. */
function diskCode(error: unknown): { code: string; detail: string } | undefined {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e !== null && typeof e === 'object' && !seen.has(e); ) {
    seen.add(e);
    const facts = e as ErrorFacts;
    const message = typeof facts.message === 'string' ? facts.message : '';
    if (typeof facts.code === 'string' && DISK_CODES.has(facts.code))
      return { code: facts.code, detail: message };
    if (facts.code === 'LEVEL_IO_ERROR' || message.startsWith('IO error:')) {
      const named = STRERROR.find(([pattern]) => pattern.test(message));
      return { code: named?.[1] ?? 'EIO', detail: message };
    }
    e = facts.cause;
  }
  return undefined;
}

/** `error` as a StorageUnavailable when the disk is what failed; otherwise `error` unchanged. */
export function asStorageError(error: unknown, store: string): unknown {
  if (error instanceof StorageUnavailable) return error;
  const disk = diskCode(error);
  return disk ? new StorageUnavailable(store, disk.code, disk.detail, error) : error;
}

/** The StorageUnavailable in `error`'s cause chain (wrappers such as a replica's error keep it). */
export function storageUnavailable(error: unknown): StorageUnavailable | undefined {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e !== null && typeof e === 'object' && !seen.has(e); ) {
    seen.add(e);
    if (e instanceof StorageUnavailable) return e;
    e = (e as ErrorFacts).cause;
  }
  return undefined;
}

/** The longest a partition or view stalled on its store waits before it tries the store again. */
const MAX_STALL_DELAY_MS = 10_000;

/** The wait before the `attempt`-th retry of a store the disk refused: 0.5, 1, 2, 4, 8, then 10 s. */
export const stallRetryDelay = (attempt: number) => Math.min(MAX_STALL_DELAY_MS, 500 * 2 ** (attempt - 1));
