/**
 * What a forwarded relation read costs next to a local one (issue 25, routed reads): two
 * edge-set instances on one in-process memory cluster, each listening on a port of its own;
 * GET /users/:a/relation/:b sent to the pair's owner (read from its own partition) or to the
 * other instance (forwarded: one more HTTP round trip on loopback). Rounds alternate local and
 * forwarded (interleaved A/B on the same machine state); medians over rounds are printed, then
 * one JSON line. Run: `npx tsx services/edge-set/bench/routed-relations.ts [rounds] [reads]`.
 */
import { pairKey } from '@showcase/contracts';
import { memoryCluster, partitionFor } from '@showcase/goka';
import { mintToken } from '@showcase/service-kit';
import { createEdgeSet, type EdgeSet } from '../src/service.ts';

const ROUNDS = Number(process.argv[2] ?? 7);
const READS = Number(process.argv[3] ?? 4000);
const CONCURRENCY = 16;
const PAIRS = 200;
const PARTITIONS = 4;
const SECRET = 'bench-secret-0123456789-abcdef-0123456789';

const cluster = memoryCluster({ partitions: PARTITIONS });
const start = async () => {
  const built = await createEdgeSet({
    cluster,
    env: { AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', PORT: '0', PARTITIONS: String(PARTITIONS) },
  });
  await built.service.start();
  return built;
};
const a = await start();
const b = await start();
await Promise.all([a.service.whenReady(), b.service.whenReady()]);
const endpoint = (s: EdgeSet) => s.processors.pairs.endpoint!;

const users = Array.from({ length: PAIRS }, (_, i) => [`a${i}`, `b${i}`] as const);
const headers = new Map(
  users.map(([x]) => [x, { authorization: `Bearer ${mintToken({ secret: SECRET, user: x })}` }]),
);
for (const [x, y] of users) {
  await a.emitters.interactions.emit(x, { id: `${x}-${y}`, from: x, to: y, type: 'like', at: Date.now() });
}
// Both sides of every pair answer before measuring.
const owner = (x: string, y: string) =>
  a.processors.pairs.partitions.includes(partitionFor(pairKey(x, y), PARTITIONS)) ? a : b;
for (const [x, y] of users) {
  for (;;) {
    const res = await fetch(`${endpoint(owner(x, y))}/users/${x}/relation/${y}`, {
      headers: headers.get(x)!,
    });
    if (res.status === 200 && ((await res.json()) as { out: unknown[] }).out.length === 1) break;
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function round(kind: 'local' | 'forwarded') {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < READS) {
        const [x, y] = users[next++ % PAIRS]!;
        const at = kind === 'local' ? owner(x, y) : owner(x, y) === a ? b : a;
        const t = performance.now();
        const res = await fetch(`${endpoint(at)}/users/${x}/relation/${y}`, { headers: headers.get(x)! });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${kind} read answered ${res.status}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((p, q) => p - q);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { rps: READS / seconds, p50: at(0.5), p99: at(0.99) };
}

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
const results = {
  local: [] as Awaited<ReturnType<typeof round>>[],
  forwarded: [] as Awaited<ReturnType<typeof round>>[],
};
await round('local'); // warm-up, both paths
await round('forwarded');
for (let r = 0; r < ROUNDS; r++) {
  for (const kind of r % 2 === 0 ? (['local', 'forwarded'] as const) : (['forwarded', 'local'] as const)) {
    results[kind].push(await round(kind));
  }
}
const summary = Object.fromEntries(
  (['local', 'forwarded'] as const).map((kind) => [
    kind,
    {
      rps: Math.round(median(results[kind].map((x) => x.rps))),
      p50ms: Number(median(results[kind].map((x) => x.p50)).toFixed(2)),
      p99ms: Number(median(results[kind].map((x) => x.p99)).toFixed(2)),
    },
  ]),
);
console.log(
  `relation reads, ${ROUNDS} interleaved rounds of ${READS} reads at concurrency ${CONCURRENCY} (medians over rounds)`,
);
for (const [kind, s] of Object.entries(summary))
  console.log(`  ${kind.padEnd(9)} ${s.rps} req/s  p50 ${s.p50ms} ms  p99 ${s.p99ms} ms`);
console.log(
  JSON.stringify({
    bench: 'edge-set routed relations',
    rounds: ROUNDS,
    reads: READS,
    concurrency: CONCURRENCY,
    ...summary,
  }),
);
await Promise.all([a.service.stop(), b.service.stop()]);
