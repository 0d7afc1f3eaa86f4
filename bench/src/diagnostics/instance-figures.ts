/**
 * What partitioned-memory.ts reads of one running edge-set instance: resident memory (from /proc,
 * so native memory — LevelDB, Buffers — counts too), V8 heap used (its /metrics), the bytes of the
 * pairs table on disk under its DATA_DIR (every store of `edge-set-pairs-table`, whichever
 * component opened it: the pairs group's own partitions, a view's full copy), and how many pairs
 * partitions its group owns. Also the settle check: every group of every instance at lag 0 and
 * the processed counters still.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { dirBytes, type Http, rssBytes } from '@showcase/simkit';

export const PAIRS_GROUP = 'edge-set-pairs';
export const PAIRS_TABLE = 'edge-set-pairs-table';

interface GroupsReply {
  readonly groups: readonly {
    readonly group: string;
    readonly state: string;
    readonly processed: number;
    readonly lag: number;
    readonly partitions: readonly { readonly partition: number }[];
  }[];
}

export interface InstanceFigures {
  readonly index: number;
  readonly pid: number;
  readonly rssMiB: number | null;
  readonly heapUsedMiB: number | null;
  /**
   * RSS minus the V8 heap's committed size: native memory — LevelDB's memtables and block caches
   * (per open store: up to 2 × 4 MiB + 8 MiB by default), Buffers, code. Less noisy than RSS for
   * a table's share, which the heap's garbage (no GC is forced) does not disturb.
   */
  readonly nonHeapMiB: number | null;
  /** Bytes of every `edge-set-pairs-table` store under DATA_DIR, MiB. */
  readonly pairsTableMiB: number;
  /** The same per component (DATA_DIR/<component>/edge-set-pairs-table/<partition>), MiB. */
  readonly pairsTableByComponent: Record<string, number>;
  /** Pairs-table partitions with a store on disk, per component. */
  readonly pairsStoresByComponent: Record<string, number>;
  /** Partitions of the pairs group this instance owns (GET /admin/groups). */
  readonly pairsPartitionsOwned: number;
  readonly dataDirMiB: number;
}

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const ADMIN = 'partitioned-memory-admin';

export async function groupsOf(http: Http): Promise<GroupsReply['groups']> {
  const reply = await http.call<GroupsReply>('GET', '/admin/groups', ADMIN, undefined, true);
  if (reply.status !== 200) throw new Error(`/admin/groups answered ${reply.status}`);
  return reply.body.groups;
}

/** V8 heap used and committed (prom-client's defaults on /metrics), bytes. */
async function heap(url: string): Promise<{ used: number | null; total: number | null }> {
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    const metric = (name: string) => {
      const line = new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.eE+-]+)$`, 'm').exec(text);
      return line ? Number(line[1]) : null;
    };
    return { used: metric('nodejs_heap_size_used_bytes'), total: metric('nodejs_heap_size_total_bytes') };
  } catch {
    return { used: null, total: null };
  }
}

/** Components under DATA_DIR that hold a pairs table, with the partitions each has a store of. */
function pairsStores(dataDir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let components: string[] = [];
  try {
    components = readdirSync(dataDir);
  } catch {
    return out;
  }
  for (const component of components) {
    try {
      out.set(component, readdirSync(join(dataDir, component, PAIRS_TABLE)));
    } catch {
      // this component keeps no pairs table
    }
  }
  return out;
}

export async function instanceFigures(o: {
  index: number;
  pid: number;
  url: string;
  http: Http;
  dataDir: string;
}): Promise<InstanceFigures> {
  const byComponent: Record<string, number> = {};
  const storesByComponent: Record<string, number> = {};
  let pairsBytes = 0;
  for (const [component, partitions] of pairsStores(o.dataDir)) {
    const bytes = dirBytes(join(o.dataDir, component, PAIRS_TABLE));
    byComponent[component] = mib(bytes);
    storesByComponent[component] = partitions.length;
    pairsBytes += bytes;
  }
  const groups = await groupsOf(o.http);
  const rss = rssBytes(o.pid);
  const v8 = await heap(o.url);
  return {
    index: o.index,
    pid: o.pid,
    rssMiB: rss === undefined ? null : mib(rss),
    heapUsedMiB: v8.used === null ? null : mib(v8.used),
    nonHeapMiB: rss === undefined || v8.total === null ? null : mib(rss - v8.total),
    pairsTableMiB: mib(pairsBytes),
    pairsTableByComponent: byComponent,
    pairsStoresByComponent: storesByComponent,
    pairsPartitionsOwned: groups.find((g) => g.group === PAIRS_GROUP)?.partitions.length ?? 0,
    dataDirMiB: mib(dirBytes(o.dataDir)),
  };
}

/** Sum of processed records and of lag over every group of every instance. */
export async function progress(https: readonly Http[]): Promise<{ processed: number; lag: number }> {
  const all = (await Promise.all(https.map(groupsOf))).flat();
  return {
    processed: all.reduce((n, g) => n + g.processed, 0),
    lag: all.reduce((n, g) => n + Math.max(0, g.lag), 0),
  };
}
