/**
 * Who keeps a process's ArrayBuffer memory alive: from a V8 heap snapshot, every ArrayBuffer
 * backing store (optionally only those of one size, e.g. 8192: Node's Buffer pool slabs), walked
 * up its retainers a few steps; the paths are tallied with their bytes. When a soak shows
 * `nodejs_array_buffers_bytes` growing with a flat heap, this names the holder — a soak's
 * edge-set: 6 387 pool slabs retained through `ValueCache.entries` (goka's table value cache).
 *
 *   SERVICE_NODE_FLAGS='--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=/tmp/snaps' npm run simulate -- …
 *   kill -USR2 <pid of the service>
 *   npx tsx bench/src/diagnostics/array-buffer-retainers.ts /tmp/snaps/Heap.*.heapsnapshot [--size 8192] [--depth 6]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface RetainerPath {
  readonly path: string;
  readonly stores: number;
  readonly bytes: number;
}

/** Backing stores (native `…ArrayBuffer…` nodes) tallied by their retainer path. */
export function arrayBufferRetainers(
  s: Snapshot,
  options: { size?: number; depth?: number } = {},
): RetainerPath[] {
  const { node_fields: nf, node_types, edge_fields: ef, edge_types } = s.snapshot.meta;
  const W = nf.length;
  const EW = ef.length;
  const [T, NM, SZ, EC] = ['type', 'name', 'self_size', 'edge_count'].map((f) => nf.indexOf(f)) as [
    number,
    number,
    number,
    number,
  ];
  const [ET, EN, TO] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const types = node_types[0];
  const edgeTypes = edge_types[0];
  const count = s.nodes.length / W;
  // First strong retainer of every node, and the edge's name (enough to read a chain).
  const retainer = new Int32Array(count).fill(-1);
  const via: string[] = new Array(count);
  for (let n = 0, e = 0; n < count; n++) {
    for (let k = 0; k < s.nodes[n * W + EC]!; k++, e += EW) {
      const to = s.edges[e + TO]! / W;
      const type = edgeTypes[s.edges[e + ET]!];
      if (type === 'weak' || retainer[to] !== -1) continue;
      retainer[to] = n;
      via[to] = type === 'element' || type === 'hidden' ? `[${type}]` : String(s.strings[s.edges[e + EN]!]);
    }
  }
  const label = (n: number) => `${types[s.nodes[n * W + T]!]}:${s.strings[s.nodes[n * W + NM]!]}`;
  const tally = new Map<string, { stores: number; bytes: number }>();
  for (let n = 0; n < count; n++) {
    if (types[s.nodes[n * W + T]!] !== 'native' || !/ArrayBuffer/.test(s.strings[s.nodes[n * W + NM]!]!))
      continue;
    const bytes = s.nodes[n * W + SZ]!;
    if (options.size !== undefined && bytes !== options.size) continue;
    const chain: string[] = [];
    for (let cur = n, d = 0; d < (options.depth ?? 6) && retainer[cur]! >= 0; d++) {
      // Array indexes and numbered slots differ per object: drop them so paths add up.
      chain.push(`${label(retainer[cur]!)}.${via[cur]!.replace(/^\d+$/, 'N')}`);
      cur = retainer[cur]!;
    }
    const path = chain.join(' <- ') || '(unreachable)';
    const t = tally.get(path) ?? { stores: 0, bytes: 0 };
    t.stores++;
    t.bytes += bytes;
    tally.set(path, t);
  }
  return [...tally].map(([path, t]) => ({ path, ...t })).sort((a, b) => b.bytes - a.bytes);
}

function main(argv: string[]): void {
  const file = argv.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
  const opt = (name: string) => {
    const at = argv.indexOf(name);
    return at >= 0 ? Number(argv[at + 1]) : undefined;
  };
  if (!file) {
    console.error(
      'usage: array-buffer-retainers.ts <file.heapsnapshot> [--size 8192] [--depth 6] [--top 10]',
    );
    process.exit(2);
  }
  const rows = arrayBufferRetainers(JSON.parse(readFileSync(file, 'utf8')) as Snapshot, {
    size: opt('--size'),
    depth: opt('--depth'),
  });
  const total = rows.reduce((n, r) => n + r.bytes, 0);
  console.log(
    `${rows.reduce((n, r) => n + r.stores, 0)} ArrayBuffer stores, ${(total / 2 ** 20).toFixed(1)} MiB`,
  );
  for (const r of rows.slice(0, opt('--top') ?? 10)) {
    console.log(`${(r.bytes / 2 ** 20).toFixed(1)} MiB  ${r.stores} stores  ${r.path}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
