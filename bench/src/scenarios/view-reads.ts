/**
 * 5 view reads: a View with levelStorage holding the `tableKeys`-key table (recovered once, as a
 * fixture; each repetition reopens it from its checkpoint, so nothing is replayed).
 * get: sequential `await view.get(key)` of random keys (seeded), each timed with hrtime.
 * range: `for await` over `view.iterate()` (all partitions merged in key order), entries/s.
 * raw: the same data in six plain classic-level databases partitioned the same way (murmur2):
 * `db.get` + JSON.parse, and each database iterated in turn — the ceiling of the storage.
 * Each repetition is its own process, so peak RSS is that of one process serving the reads.
 */

import { join } from 'node:path';
import { json, levelStorage, partitionFor, View } from '@showcase/goka';
import { ClassicLevel } from 'classic-level';
import { gokaCluster, gokaUnavailable } from '../cluster.ts';
import { type BenchValue, benchValue, keyOf, seededRandom } from '../data.ts';
import { type TableFixture, tableChangelog } from '../fixtures.ts';
import type { Fixture, Measurements, Scenario, TaskContext } from '../scenario.ts';
import { nowMs, Samples } from '../stats.ts';

const viewStore: Fixture = {
  name: 'view-store',
  async create(ctx, log, fixtures) {
    const table = fixtures['table-changelog'] as TableFixture;
    const path = join(ctx.workDir, 'view-store');
    const cluster = gokaCluster(ctx.brokers, 'bench-view-store');
    const view = new View({
      cluster,
      table: table.table,
      codec: json<BenchValue>(),
      storage: levelStorage({ path }),
    });
    try {
      const started = nowMs();
      await view.start();
      log(`view store recovered in ${((nowMs() - started) / 1000).toFixed(1)} s`);
    } finally {
      await view.stop();
      await cluster.close();
    }
    return { path };
  },
};

function rawDbPath(ctx: TaskContext, partition: number): string {
  return join(ctx.workDir, 'raw-level', String(partition));
}

const rawStore: Fixture = {
  name: 'raw-leveldb',
  async create(ctx, log) {
    const { tableKeys: n, partitions } = ctx.sizes;
    const dbs = await openRaw(ctx);
    try {
      const chunk = 10_000;
      for (let from = 0; from < n; from += chunk) {
        const batches = dbs.map((db) => db.batch());
        for (let i = from; i < Math.min(n, from + chunk); i++) {
          const key = keyOf(i, n);
          batches[partitionFor(key, partitions)]!.put(key, Buffer.from(JSON.stringify(benchValue(i, key))));
        }
        await Promise.all(batches.map((b) => b.write()));
      }
      log(`${n} keys in ${partitions} plain LevelDB databases`);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
    return {};
  },
};

async function openRaw(ctx: TaskContext): Promise<ClassicLevel<string, Buffer>[]> {
  return Promise.all(
    Array.from({ length: ctx.sizes.partitions }, async (_, p) => {
      const db = new ClassicLevel<string, Buffer>(rawDbPath(ctx, p), {
        keyEncoding: 'utf8',
        valueEncoding: 'buffer',
      });
      await db.open();
      return db;
    }),
  );
}

interface Reader {
  get(key: string): Promise<unknown>;
  range(limit: number): Promise<number>;
}

async function measureReads(ctx: TaskContext, rep: number, reader: Reader, log: (line: string) => void) {
  const { tableKeys, viewGets, viewRange } = ctx.sizes;
  const random = seededRandom(rep * 7_919);
  const samples = new Samples(viewGets);
  let misses = 0;
  const started = nowMs();
  for (let i = 0; i < viewGets; i++) {
    const key = keyOf(Math.floor(random() * tableKeys), tableKeys);
    const t0 = nowMs();
    const value = await reader.get(key);
    samples.add(nowMs() - t0);
    if (value === undefined) misses++;
  }
  const getsMs = nowMs() - started;
  if (misses > 0) throw new Error(`${misses} of ${viewGets} gets found nothing`);
  const [p50, p99, p999] = samples.percentiles(50, 99, 99.9);
  log(`${viewGets} gets: p50 ${p50!.toFixed(3)} ms, p99 ${p99!.toFixed(3)} ms; iterating`);
  const rangeStarted = nowMs();
  const entries = await reader.range(viewRange);
  const rangeMs = nowMs() - rangeStarted;
  if (entries < Math.min(viewRange, tableKeys)) throw new Error(`range returned ${entries} entries`);
  return {
    p50: p50!,
    p99: p99!,
    p999: p999!,
    getRate: (viewGets * 1000) / getsMs,
    rangeRate: (entries * 1000) / rangeMs,
  } satisfies Measurements;
}

export const viewReads: Scenario = {
  name: 'view-reads',
  number: 5,
  title: 'view reads: get latency and range iteration on a LevelDB view',
  fixtures: [tableChangelog, viewStore, rawStore],
  variants: [
    {
      name: 'raw',
      async run(ctx, _fixtures, rep, log) {
        const dbs = await openRaw(ctx);
        try {
          return await measureReads(
            ctx,
            rep,
            {
              async get(key) {
                const raw = await dbs[partitionFor(key, dbs.length)]!.get(key);
                return raw === undefined ? undefined : JSON.parse(raw.toString('utf8'));
              },
              async range(limit) {
                let n = 0;
                for (const db of dbs) {
                  for await (const [, value] of db.iterator({ limit: limit - n })) {
                    JSON.parse(value.toString('utf8'));
                    n++;
                  }
                  if (n >= limit) break;
                }
                return n;
              },
            },
            log,
          );
        } finally {
          await Promise.all(dbs.map((db) => db.close()));
        }
      },
    },
    {
      name: 'goka',
      unavailable: gokaUnavailable,
      async run(ctx, fixtures, rep, log) {
        const table = fixtures['table-changelog'] as TableFixture;
        const { path } = fixtures['view-store'] as { path: string };
        const cluster = gokaCluster(ctx.brokers, 'bench-view-reads');
        const view = new View({
          cluster,
          table: table.table,
          codec: json<BenchValue>(),
          storage: levelStorage({ path }),
        });
        try {
          await view.start();
          return await measureReads(
            ctx,
            rep,
            {
              get: (key) => view.get(key),
              async range(limit) {
                let n = 0;
                for await (const _entry of view.iterate({ limit })) n++;
                return n;
              },
            },
            log,
          );
        } finally {
          await view.stop();
          await cluster.close();
        }
      },
    },
  ],
  figures: [
    {
      figure: 'View get p50',
      unit: 'ms',
      variant: 'goka',
      measure: 'p50',
      baseline: { variant: 'raw', measure: 'p50' },
    },
    {
      figure: 'View get p99',
      unit: 'ms',
      variant: 'goka',
      measure: 'p99',
      baseline: { variant: 'raw', measure: 'p99' },
    },
    {
      figure: 'View get p99.9',
      unit: 'ms',
      variant: 'goka',
      measure: 'p999',
      baseline: { variant: 'raw', measure: 'p999' },
    },
    {
      figure: 'View gets, one at a time',
      unit: 'gets/s',
      variant: 'goka',
      measure: 'getRate',
      baseline: { variant: 'raw', measure: 'getRate' },
    },
    {
      figure: 'View range iteration',
      unit: 'entries/s',
      variant: 'goka',
      measure: 'rangeRate',
      baseline: { variant: 'raw', measure: 'rangeRate' },
    },
    {
      figure: 'View reads peak RSS',
      unit: 'MiB',
      variant: 'goka',
      measure: 'peakRssMiB',
      baseline: { variant: 'raw', measure: 'peakRssMiB' },
    },
  ],
  parameters: (s) => ({
    keys: s.tableKeys,
    valueBytes: 100,
    partitions: s.partitions,
    gets: s.viewGets,
    rangeEntries: Math.min(s.viewRange, s.tableKeys),
    storage: 'levelStorage (reopened at its checkpoint)',
    baseline: 'plain classic-level, same partitioning',
  }),
  timeoutMs: (s) => 120_000 + s.tableKeys * 0.2,
};
