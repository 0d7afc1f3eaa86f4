/**
 * CPU time of any process of this machine's user, from /proc (Linux): the platform scenario
 * charges every process — each service, the broker, the load generator — with the CPU it spent
 * while a phase ran, so that "CPU per 1,000 events" covers the whole platform and not only the
 * process that measures.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

let ticks: number | undefined;

/** Clock ticks per second of /proc's utime and stime (USER_HZ; 100 on every common kernel). */
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** User + system CPU seconds the process has used so far (all its threads); undefined when gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return undefined;
  }
}

/** Socket inodes listening on `port` (IPv4 and IPv6), from /proc/net/tcp*. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is "ADDR:PORT" in hex; state 0A is LISTEN; column 10 is the inode.
      if (cols.length > 9 && cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A') inodes.add(cols[9]!);
    }
  }
  return inodes;
}

/**
 * The process listening on 127.0.0.1:`port` — the broker, whether the bench started it or the
 * test suite did (KAFKA_BROKERS). Only processes of this user can be seen; undefined otherwise.
 */
export function pidListeningOn(port: number): number | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${entry}/fd/${fd}`);
        if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1))) return Number(entry);
      } catch {
        // the fd closed meanwhile
      }
    }
  }
  return undefined;
}

/** CPU seconds of named processes between two readings. */
export class CpuMeter {
  private start = new Map<string, number>();

  constructor(private readonly pids: ReadonlyMap<string, number>) {}

  begin(): void {
    this.start = new Map();
    for (const [name, pid] of this.pids) {
      const s = cpuSeconds(pid);
      if (s !== undefined) this.start.set(name, s);
    }
  }

  /** Seconds each process used since `begin`; a process that vanished is left out. */
  end(): Map<string, number> {
    const used = new Map<string, number>();
    for (const [name, pid] of this.pids) {
      const before = this.start.get(name);
      const after = cpuSeconds(pid);
      if (before !== undefined && after !== undefined) used.set(name, after - before);
    }
    return used;
  }
}
