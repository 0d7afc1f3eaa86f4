import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive } from './processes.ts';

/**
 * A lock file holding the owner's pid, created with O_EXCL. A lock whose owner is gone (the
 * process crashed) is taken over, so a killed download or start never blocks the next one.
 */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  { timeoutMs = 15 * 60_000, onWait }: { timeoutMs?: number; onWait?: (ownerPid: number) => void } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(path);
      // An empty lock file is one being written right now, unless it has been empty for long.
      const abandoned = owner === undefined ? ageMs(path) > 5_000 : !isProcessAlive(owner);
      if (abandoned) {
        rmSync(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`Timed out waiting for lock ${path} held by pid ${owner}`);
      if (!announced && owner !== undefined) onWait?.(owner);
      announced = true;
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}

function readOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
