/**
 * The event loop while the co-clustering refits: ClusterFitter inline (the fit on the loop, as
 * before) against mode 'worker' (the fit in a worker thread), variants interleaved. A probe timer
 * every 5 ms stands for a request arriving: its lateness is what a request would wait for the
 * loop. Each repetition runs `--fits` refits of the same rows with 100 ms idle between them;
 * the worker variant starts its worker lazily inside the first refit (counted). Rows: `--users`
 * users of 8 kinds, each with `--decisions` decisions (kind k likes kind k+1 mostly), seeded.
 *
 *   npx tsx services/recommender/sim/bench/fit-loop.ts [--users 400] [--decisions 45] [--fits 3]
 *     [--reps 3] [--json file]
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { seeded } from '@showcase/simkit';
import { ClusterFitter, type ModelSource } from '../../src/cluster-fitter.ts';
import { defaultCoClusterConfig } from '../../src/co-clusters.ts';
import { defaultLearnerConfig, emptyRow, type ModelRow } from '../../src/model.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '400' },
    decisions: { type: 'string', default: '45' },
    fits: { type: 'string', default: '3' },
    reps: { type: 'string', default: '3' },
    json: { type: 'string' },
  },
});
const N = Number(values.users);
const DECISIONS = Math.min(Number(values.decisions), N - 1);
const FITS = Number(values.fits);
const REPS = Number(values.reps);
const random = seeded(24);
const kinds = 8;
const rows: ModelRow[] = [];
for (let u = 0; u < N; u++) {
  const liked: string[] = [];
  const passed: string[] = [];
  const seen = new Set([u]);
  while (seen.size <= DECISIONS) {
    const v = Math.floor(random() * N);
    if (seen.has(v)) continue;
    seen.add(v);
    (random() < (v % kinds === (u + 1) % kinds ? 0.7 : 0.1) ? liked : passed).push(`u${v}`);
  }
  rows.push({ ...emptyRow(`u${u}`, defaultLearnerConfig), liked, passed });
}
const table = new Map(rows.map((r) => [r.user, r]));
const source: ModelSource = { version: 1, entries: () => table.entries(), onChange: () => () => {} };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Run {
  readonly variant: string;
  /** Lateness of the 5 ms probe, ms. */
  readonly probeP50: number;
  readonly probeP99: number;
  readonly probeMax: number;
  /** perf_hooks' event-loop delay (resolution 1 ms), ms. */
  readonly loopP99: number;
  readonly loopMax: number;
  /** Wall time from refit() to the fit in place, median of the repetition's fits, ms. */
  readonly fitMs: number;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function run(mode: 'inline' | 'worker'): Promise<Run> {
  const fitter = new ClusterFitter(source, defaultCoClusterConfig, 3_600_000, (e) => console.error(e), {
    mode,
  });
  const lateness: number[] = [];
  let expected = performance.now() + 5;
  const probe = setInterval(() => {
    const now = performance.now();
    lateness.push(Math.max(0, now - expected));
    expected = now + 5;
  }, 5);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const fits: number[] = [];
  try {
    await sleep(100);
    for (let i = 0; i < FITS; i++) {
      const t0 = performance.now();
      await fitter.refit();
      fits.push(performance.now() - t0);
      await sleep(100);
    }
  } finally {
    loop.disable();
    clearInterval(probe);
    await fitter.close();
  }
  const ms = (ns: number) => ns / 1e6;
  return {
    variant: mode,
    probeP50: quantile(lateness, 0.5),
    probeP99: quantile(lateness, 0.99),
    probeMax: Math.max(...lateness),
    loopP99: ms(loop.percentile(99)),
    loopMax: ms(loop.max),
    fitMs: median(fits),
  };
}

const runs: Run[] = [];
for (let r = 0; r < REPS; r++)
  for (const mode of r % 2 ? (['worker', 'inline'] as const) : (['inline', 'worker'] as const)) {
    const result = await run(mode);
    runs.push(result);
    console.log(
      `rep ${r + 1} ${mode.padEnd(6)} probe p50 ${result.probeP50.toFixed(1)} p99 ${result.probeP99.toFixed(1)} max ${result.probeMax.toFixed(0)} ms; loop delay p99 ${result.loopP99.toFixed(1)} max ${result.loopMax.toFixed(0)} ms; fit ${result.fitMs.toFixed(0)} ms`,
    );
  }
const decisions = rows.reduce((s, r) => s + (r.liked?.length ?? 0) + (r.passed?.length ?? 0), 0);
const summary = (['inline', 'worker'] as const).map((variant) => {
  const of = runs.filter((r) => r.variant === variant);
  const pick = (k: keyof Omit<Run, 'variant'>) => median(of.map((r) => r[k]));
  return {
    variant,
    probeP99: pick('probeP99'),
    probeMax: pick('probeMax'),
    loopP99: pick('loopP99'),
    loopMax: pick('loopMax'),
    fitMs: pick('fitMs'),
  };
});
console.log(`\n${N} users, ${decisions} decisions, ${FITS} fits per repetition, medians of ${REPS}:`);
console.log('| variant | probe p99 | probe max | loop delay p99 | loop delay max | fit (wall) |');
console.log('| ------- | --------- | --------- | -------------- | -------------- | ---------- |');
for (const s of summary)
  console.log(
    `| ${s.variant} | ${s.probeP99.toFixed(1)} ms | ${s.probeMax.toFixed(0)} ms | ${s.loopP99.toFixed(1)} ms | ${s.loopMax.toFixed(0)} ms | ${s.fitMs.toFixed(0)} ms |`,
  );
const report = { users: N, decisions, fits: FITS, reps: REPS, summary, runs };
if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
