/**
 * `npm run simulate -- platform [--quick] [--seed N] [--seconds N] [--json FILE]`
 *
 * All five services on one broker (simulate.ts starts them from `services`), driven at once over
 * HTTP by the five services' own simulators, concurrently, each with its population seeded from
 * the one `--seed` (their ids carry distinct prefixes, so they share the platform without
 * sharing users). The services' cross-effects are live meanwhile: anti-spam blocks and edge-set
 * blocks reach match-search and recommender, every upstream event reaches segmentation. At the
 * end one table: each service's quality figure against its reference (anti-spam precision and
 * recall, match-search vs brute force, edge-set vs the batch oracle, recommender recall@10 vs
 * popularity, segmentation ARI vs batch k-means) and the request rate and latency every service
 * served, measured on the clients' side.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { repoRoot } from '../harness.ts';
import type { SimulationTarget } from '../simulate.ts';
import { meterFetch } from './meter.ts';
import { loadRows, qualityRows, type Reports, type Row, renderTable } from './table.ts';

export const services = ['anti-spam', 'edge-set', 'match-search', 'recommender', 'segmentation'] as const;
type Service = (typeof services)[number];

export const usage = `npm run simulate -- platform [options]
  --quick            a small population and short traffic (≈ 3–5 min with startup; the CI form)
  --seed <n>         one seed for the five populations (default 42)
  --seconds <n>      match-search's movement traffic in seconds (default 20, quick 4); the other
                     simulators run their population's whole plan
  --json <file>      also write the table and the five reports as JSON`;

/** Each simulator's arguments: full size, or the quick form. */
function plans(quick: boolean, seed: number, seconds: number): Record<Service, string[]> {
  const s = String(seed);
  if (quick)
    return {
      'anti-spam': [
        '--users',
        '80',
        '--rounds',
        '8',
        '--round-ms',
        '150',
        '--probes',
        '10',
        '--concurrency',
        '8',
        '--seed',
        s,
      ],
      'edge-set': [
        '--users',
        '40',
        '--events',
        '600',
        '--rate',
        '200',
        '--probes',
        '10',
        '--concurrency',
        '16',
        '--seed',
        s,
      ],
      'match-search': [
        '--users',
        '120',
        '--rate',
        '40',
        '--seconds',
        String(seconds),
        '--queries',
        '40',
        '--concurrency',
        '8',
        '--seed',
        s,
      ],
      // 150 users: the smallest population where reciprocal ranking stands apart from popularity
      // (with 60, every ranking found every mutual-interest user: 1.00×).
      recommender: ['--users', '150', '--probes', '3', '--concurrency', '8', '--seed', s],
      // The smallest run whose model can split: a split needs about 200 points after its halves
      // are seeded, and a user sends one point every SAMPLE_EVERY (10) own events after the first
      // few; 60 users × 30 events (≈ 180 points) always learned one segment (ARI 0).
      segmentation: [
        '--users',
        '100',
        '--before',
        '40',
        '--after',
        '10',
        '--every',
        '10',
        '--concurrency',
        '16',
        '--seed',
        s,
      ],
    };
  return {
    'anti-spam': ['--users', '300', '--rounds', '20', '--probes', '50', '--seed', s],
    'edge-set': ['--users', '200', '--events', '4000', '--rate', '400', '--probes', '50', '--seed', s],
    'match-search': [
      '--users',
      '600',
      '--rate',
      '100',
      '--seconds',
      String(seconds),
      '--queries',
      '200',
      '--seed',
      s,
    ],
    recommender: ['--users', '200', '--probes', '10', '--seed', s],
    segmentation: ['--users', '300', '--before', '60', '--after', '40', '--every', '20', '--seed', s],
  };
}

type SimulateFn = (
  target: SimulationTarget,
  args: string[],
  log?: (line: string) => void,
) => Promise<unknown>;

async function load(service: Service): Promise<SimulateFn> {
  const file = resolve(repoRoot, 'services', service, 'src', 'simulator', 'main.ts');
  const module_ = (await import(pathToFileURL(file).href)) as { simulate?: unknown };
  if (typeof module_.simulate !== 'function') throw new Error(`${service}'s simulator exports no simulate()`);
  return module_.simulate as SimulateFn;
}

export interface PlatformResult {
  readonly rows: readonly Row[];
  readonly table: string;
  readonly failed: readonly string[];
}

export async function simulate(target: SimulationTarget, args: string[]): Promise<PlatformResult> {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: 'boolean', default: false },
      seed: { type: 'string', default: '42' },
      seconds: { type: 'string' },
      json: { type: 'string' },
    },
    allowPositionals: false,
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31)
    throw new Error('--seed must be an integer in [0, 2^31]');
  const seconds = Number(values.seconds ?? (values.quick ? 4 : 20));
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 600)
    throw new Error('--seconds must be an integer in [1, 600]');
  const say = (line: string) => console.log(`[platform] ${line}`);
  const simulators = await Promise.all(services.map(load));
  const plan = plans(values.quick, seed, seconds);

  const meter = meterFetch(target.urls);
  const started = Date.now();
  const done = new Set<Service>();
  const progress = setInterval(() => {
    const counts = [...meter.counts()].map(([s, n]) => `${s} ${n}`).join(', ');
    say(`${Math.round((Date.now() - started) / 1000)} s, ${done.size}/5 done; requests: ${counts}`);
  }, 5_000);
  let settled: PromiseSettledResult<unknown>[];
  try {
    settled = await Promise.allSettled(
      services.map(async (service, i) => {
        const prefixed = (line: string) => console.log(`[${service}] ${line}`);
        const report = await simulators[i]!(
          { ...target, url: target.urls[service]! },
          plan[service],
          prefixed,
        );
        done.add(service);
        say(`${service} finished after ${Math.round((Date.now() - started) / 1000)} s`);
        return report;
      }),
    );
  } finally {
    clearInterval(progress);
    meter.stop();
  }
  const reports = Object.fromEntries(
    services.map((s, i) => [s, settled[i]!.status === 'fulfilled' ? settled[i]!.value : undefined]),
  ) as unknown as Reports;
  const failed = settled.flatMap((s, i) =>
    s.status === 'rejected' ? [`${services[i]}: ${(s.reason as Error)?.message ?? String(s.reason)}`] : [],
  );
  const rows = [...qualityRows(reports), ...loadRows(meter.summary())];
  const table = renderTable(rows);
  console.log(
    `\nplatform simulation (seed ${seed}${values.quick ? ', quick' : ''}, ${Math.round((Date.now() - started) / 1000)} s)`,
  );
  console.log(table);
  for (const f of failed) say(`simulator failed: ${f}`);
  if (values.json) writeFileSync(values.json, `${JSON.stringify({ rows, reports }, null, 2)}\n`);
  if (failed.length > 0) throw new Error(`${failed.length} of 5 simulators failed`);
  return { rows, table, failed };
}
