/**
 * What a long run samples of a process from /proc (Linux), without asking the process: resident
 * memory, open sockets, and the bytes a data dir holds. Soak runs and benchmarks read these for
 * every process they started — services, the broker — so creep shows even in a process that
 * cannot answer (or whose own figures would leave out native memory).
 */
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Resident set size in bytes (VmRSS), or undefined when the process is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/** Open file descriptors of the process and how many of them are sockets; undefined when gone. */
export function openDescriptors(pid: number): { fds: number; sockets: number } | undefined {
  let entries: string[];
  try {
    entries = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  let sockets = 0;
  for (const fd of entries) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:[')) sockets++;
    } catch {
      // closed between the listing and the read
    }
  }
  return { fds: entries.length, sockets };
}

/**
 * Disk space the regular files below `dir` take (allocated blocks, not apparent sizes: Kafka
 * preallocates every segment's index files sparsely, 10 MiB each, so a fresh broker with a few
 * hundred partitions "holds" gigabytes it never wrote); 0 when `dir` does not exist; files that
 * vanish mid-walk are skipped. With `only`, just the files whose path it accepts.
 */
export function dirBytes(dir: string, only?: (path: string) => boolean): number {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    return 0;
  }
  let total = 0;
  for (const name of names) {
    if (only && !only(name)) continue;
    try {
      const s = statSync(join(dir, name));
      if (s.isFile()) total += s.blocks * 512;
    } catch {
      // LevelDB and Kafka delete files while they compact
    }
  }
  return total;
}

/**
 * Bytes of the LevelDB write-ahead logs (`*.log`) below `dir`: each holds what its store's
 * memtable holds (writes since the last flush to a table file), so their sum is about the
 * memtables' share of a service's native memory. It grows until each store's memtable reaches
 * its write buffer size (LevelDB's default 4 MiB) and flushes.
 */
export function levelDbLogBytes(dir: string): number {
  return dirBytes(dir, (path) => /(?:^|\/)\d+\.log$/.test(path));
}
