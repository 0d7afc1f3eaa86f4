/**
 * Compares two V8 heap snapshots of one process taken minutes apart (a soak's service run with
 * `SERVICE_NODE_FLAGS=--heapsnapshot-signal=SIGUSR2`, then `kill -USR2 <pid>` twice): live
 * objects and their own (shallow) bytes per constructor in each, and what grew most in between.
 * A leak shows as a constructor whose count climbs with time (Map entries keyed by request,
 * listeners, closures); a flat table with a growing RSS says the growth is native, not the heap.
 *
 *   npx tsx bench/src/diagnostics/heap-diff.ts before.heapsnapshot after.heapsnapshot [--top 25]
 */
import { readFileSync } from 'node:fs';

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

interface Group {
  count: number;
  bytes: number;
}

/** Per `type:name` (name: the constructor for objects), live objects and their shallow bytes. */
export function summarize(snapshot: HeapSnapshot): Map<string, Group> {
  const fields = snapshot.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snapshot.snapshot.meta.node_types[0];
  const groups = new Map<string, Group>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!] ?? '?';
    // Strings and code are named by their content: group them by type only.
    const named = type === 'object' || type === 'closure' || type === 'native';
    const key = named ? `${type}:${snapshot.strings[snapshot.nodes[i + nameAt]!]}` : type;
    const g = groups.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += snapshot.nodes[i + sizeAt]!;
    groups.set(key, g);
  }
  return groups;
}

function main(argv: string[]): void {
  const [beforeFile, afterFile] = argv.filter((a) => !a.startsWith('--'));
  const topAt = argv.indexOf('--top');
  const top = topAt >= 0 ? Number(argv[topAt + 1]) : 25;
  if (!beforeFile || !afterFile) {
    console.error('usage: heap-diff.ts before.heapsnapshot after.heapsnapshot [--top 25]');
    process.exit(2);
  }
  const load = (f: string) => summarize(JSON.parse(readFileSync(f, 'utf8')) as HeapSnapshot);
  const before = load(beforeFile);
  const after = load(afterFile);
  const total = (m: Map<string, Group>) => [...m.values()].reduce((n, g) => n + g.bytes, 0);
  const mib = (b: number) => (b / 2 ** 20).toFixed(2);
  console.log(`heap: ${mib(total(before))} MiB → ${mib(total(after))} MiB (shallow sizes of live objects)`);
  const rows = [...new Set([...before.keys(), ...after.keys()])].map((key) => {
    const b = before.get(key) ?? { count: 0, bytes: 0 };
    const a = after.get(key) ?? { count: 0, bytes: 0 };
    return { key, b, a, dBytes: a.bytes - b.bytes, dCount: a.count - b.count };
  });
  rows.sort((x, y) => y.dBytes - x.dBytes);
  console.log('grew most (Δ MiB, Δ count, before → after count, after MiB):');
  for (const r of rows.slice(0, top)) {
    console.log(
      `  ${(r.dBytes >= 0 ? '+' : '') + mib(r.dBytes)} MiB  ${(r.dCount >= 0 ? '+' : '') + r.dCount}  ` +
        `${r.b.count} → ${r.a.count}  ${mib(r.a.bytes)} MiB  ${r.key}`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
