/**
 * How much of the pairs table each edge-set instance holds now that relations are routed
 * (issue 25): 1, 2 and 3 instances on one in-process memory cluster, the same interactions;
 * per instance the pairs rows in its own partitions (`processor.iterate`) and their bytes (the
 * JSON rows as stored). Before routing every instance also kept a view of the whole table: that
 * is the `whole table` line. Prints a table and one JSON line. GUARANTEE=at-least-once: the same
 * rows, without waiting for the memory cluster's transactions.
 * Run: `npx tsx services/edge-set/bench/partitioned-rows.ts [interactions]`.
 */
import { memoryCluster } from '@showcase/goka';
import { createEdgeSet, type EdgeSet } from '../src/service.ts';

const INTERACTIONS = Number(process.argv[2] ?? 20_000);
const USERS = 2_000;
const PARTITIONS = 12;
const SECRET = 'bench-secret-0123456789-abcdef-0123456789';

async function share(instance: EdgeSet): Promise<{ rows: number; bytes: number }> {
  let rows = 0;
  let bytes = 0;
  for await (const [key, row] of instance.processors.pairs.iterate()) {
    rows++;
    bytes += key.length + JSON.stringify(row).length;
  }
  return { rows, bytes };
}

const results: { instances: number; perInstance: { rows: number; bytes: number }[] }[] = [];
for (const n of [1, 2, 3]) {
  const cluster = memoryCluster({ partitions: PARTITIONS });
  const instances: EdgeSet[] = [];
  for (let i = 0; i < n; i++) {
    const built = await createEdgeSet({
      cluster,
      env: {
        AUTH_SECRET: SECRET,
        LOG_LEVEL: 'silent',
        PORT: '0',
        PARTITIONS: String(PARTITIONS),
        GUARANTEE: 'at-least-once',
      },
    });
    await built.service.start();
    instances.push(built);
  }
  await Promise.all(instances.map((s) => s.service.whenReady()));
  // The same pseudo-random interactions for every n.
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const types = ['like', 'pass', 'visit', 'message'] as const;
  const sent: Promise<unknown>[] = [];
  /** Rows a|b and b|a of every pair that interacted. */
  const expected = new Set<string>();
  for (let i = 0; i < INTERACTIONS; i++) {
    const from = `u${Math.floor(rand() * USERS)}`;
    let to = `u${Math.floor(rand() * USERS)}`;
    if (to === from) to = `${to}x`;
    const type = types[Math.floor(rand() * types.length)]!;
    expected.add(`${from}|${to}`).add(`${to}|${from}`);
    sent.push(
      instances[0]!.emitters.interactions.emit(from, {
        id: `e${i}`,
        from,
        to,
        type,
        at: 1_700_000_000_000 + i,
      }),
    );
  }
  await Promise.all(sent);
  // Settled: every pair's two rows are in the owners' stores.
  for (;;) {
    const total = (await Promise.all(instances.map(share))).reduce((s, x) => s + x.rows, 0);
    if (total === expected.size) break;
    if (total > expected.size) throw new Error(`${total} rows, ${expected.size} expected`);
    await new Promise((r) => setTimeout(r, 200));
  }
  results.push({ instances: n, perInstance: await Promise.all(instances.map(share)) });
  await Promise.all(instances.map((s) => s.service.stop()));
}

const whole = results[0]!.perInstance[0]!;
console.log(
  `pairs table rows held per instance (${INTERACTIONS} interactions, ${USERS} users, ${PARTITIONS} partitions)`,
);
console.log(
  `  whole table (what a view held on every instance before): ${whole.rows} rows, ${whole.bytes} bytes`,
);
for (const r of results) {
  const list = r.perInstance.map((p) => `${p.rows} rows / ${p.bytes} B`).join(', ');
  console.log(`  ${r.instances} instance(s): ${list}`);
}
console.log(
  JSON.stringify({ bench: 'edge-set partitioned pairs', interactions: INTERACTIONS, whole, results }),
);
