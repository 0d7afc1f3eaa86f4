import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A small real file system that a test fills up and frees again (issue 26, "disk and data"):
 * a tmpfs of `sizeKiB`, mounted on a fresh directory. Needs root (CI and this machine run as
 * root); without it the test fails and says so, it is not skipped.
 */
export class Tmpfs {
  private readonly filler: string;

  private constructor(readonly dir: string) {
    this.filler = join(dir, 'filler');
  }

  static mount(sizeKiB: number, prefix = 'goka-tmpfs-'): Tmpfs {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', dir], { stdio: 'pipe' });
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
      throw new Error(
        `this test needs root and tmpfs (mount -t tmpfs on ${dir} failed: ${stderr || String(error)})`,
        { cause: error },
      );
    }
    return new Tmpfs(dir);
  }

  /** Writes the filler file until the file system refuses (ENOSPC); returns the bytes written. */
  fill(): number {
    const fd = openSync(this.filler, 'a');
    const block = Buffer.alloc(4096, 0x5a);
    let written = 0;
    try {
      for (;;) written += writeSync(fd, block);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    } finally {
      closeSync(fd);
    }
    return written;
  }

  /** Removes the filler: the space is back. */
  free(): void {
    rmSync(this.filler, { force: true });
  }

  /** Unmounts (lazily when a store still holds files open) and removes the mount point. */
  unmount(): void {
    try {
      execFileSync('umount', [this.dir], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', this.dir], { stdio: 'pipe' });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
