/**
 * A soak run's resource watch: every `everyMs`, for every process it was given (each service, the
 * broker), resident memory, open sockets, event-loop delay (a service's own /metrics: prom-client's
 * p99 since the previous scrape) and the bytes of its data dir. At the end, growth over the last
 * window (the last 20 minutes, or the last two thirds of a shorter run: what comes before is
 * warm-up — JIT, caches, LevelDB and Kafka segments filling), which is where a leak shows: a
 * steady platform holds RSS and sockets flat there, while data dirs may grow with the data.
 *
 * For a service it also samples where the memory is (its /metrics, same scrape): V8 heap used,
 * external memory and the ArrayBuffers part of it. RSS growing with a flat heap is native memory
 * (LevelDB, the allocator, Buffers), a growing heap is JavaScript objects held: different causes.
 * Of a LevelDB data dir it samples the write-ahead logs too: what the stores' memtables hold, native
 * memory that grows with the writes until each memtable flushes (4 MiB a store by default).
 */
import { dirBytes, levelDbLogBytes, openDescriptors, rssBytes } from '@showcase/simkit';

export interface WatchedProcess {
  readonly name: string;
  readonly pid: number;
  /** http://… of a service whose /metrics has prom-client's default metrics. */
  readonly url?: string;
  readonly dataDir?: string;
  /** `dataDir` holds LevelDB stores (a service's table state): sample their write-ahead logs. */
  readonly levelDb?: boolean;
  /** Lines at level error or fatal that the process logged so far. */
  readonly errors?: () => number;
}

export interface ResourceSample {
  readonly atMs: number;
  readonly rssBytes?: number;
  readonly sockets?: number;
  readonly fds?: number;
  readonly loopDelayP99Ms?: number;
  readonly heapUsedBytes?: number;
  readonly externalBytes?: number;
  readonly arrayBuffersBytes?: number;
  readonly dataBytes?: number;
  /** LevelDB write-ahead logs in dataDir: about what the memtables hold. */
  readonly levelDbLogBytes?: number;
  readonly errors?: number;
}

/** A figure's first and last sample in the growth window, in MiB, and the growth between. */
export interface MiBGrowth {
  readonly windowStart?: number;
  readonly end?: number;
  readonly growthPct?: number;
}

export interface GrowthRow {
  readonly name: string;
  readonly samples: number;
  readonly rssMiB: MiBGrowth;
  readonly heapUsedMiB: MiBGrowth;
  readonly externalMiB: MiBGrowth;
  readonly arrayBuffersMiB: MiBGrowth;
  readonly sockets: { readonly windowStart?: number; readonly end?: number; readonly max?: number };
  readonly loopDelayP99Ms: { readonly median?: number; readonly max?: number };
  readonly dataMiB: { readonly windowStart?: number; readonly end?: number };
  readonly levelDbLogMiB: MiBGrowth;
  readonly errors?: number;
}

/** Growth is read over this much of the end of a run at most (the "last 20 minutes"). */
export const GROWTH_WINDOW_MS = 20 * 60_000;

/** The growth window of a run that lasted `endMs`: the last 20 minutes, or its last two thirds. */
export const growthWindowMs = (endMs: number) => Math.min(GROWTH_WINDOW_MS, (endMs * 2) / 3);

const mib = (bytes: number | undefined) => (bytes === undefined ? undefined : bytes / 2 ** 20);

type ScrapedFigures = Pick<
  ResourceSample,
  'loopDelayP99Ms' | 'heapUsedBytes' | 'externalBytes' | 'arrayBuffersBytes'
>;

/** One unlabelled (or default-labelled) sample of a metric in Prometheus' text format. */
function metricValue(text: string, name: string): number | undefined {
  const line = new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.eE+-]+)$`, 'm').exec(text);
  return line ? Number(line[1]) : undefined;
}

/** The figures a service's /metrics has (prom-client defaults + service-kit's array buffers). */
export function parseServiceMetrics(text: string): ScrapedFigures {
  const lag = metricValue(text, 'nodejs_eventloop_lag_p99_seconds');
  return {
    loopDelayP99Ms: lag === undefined ? undefined : lag * 1000,
    heapUsedBytes: metricValue(text, 'nodejs_heap_size_used_bytes'),
    externalBytes: metricValue(text, 'nodejs_external_memory_bytes'),
    arrayBuffersBytes: metricValue(text, 'nodejs_array_buffers_bytes'),
  };
}

async function scrape(url: string): Promise<ScrapedFigures> {
  try {
    const res = await fetch(`${url.replace(/\/$/, '')}/metrics`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return {};
    return parseServiceMetrics(await res.text());
  } catch {
    return {}; // a busy service that does not answer in 5 s shows as a gap, not a failure
  }
}

export class ResourceSampler {
  private readonly samples = new Map<string, ResourceSample[]>();
  private timer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();
  private sampling: Promise<void> = Promise.resolve();

  constructor(
    private readonly processes: readonly WatchedProcess[],
    private readonly everyMs: number,
    private readonly log: (line: string) => void,
  ) {
    for (const p of processes) this.samples.set(p.name, []);
  }

  start(): void {
    this.sampling = this.sample();
    this.timer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sample());
    }, this.everyMs);
  }

  /** Takes one last sample and stops. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sampling;
    await this.sample();
  }

  private async sample(): Promise<void> {
    const atMs = Date.now() - this.started;
    const taken = await Promise.all(
      this.processes.map(async (p): Promise<[WatchedProcess, ResourceSample]> => {
        const fd = openDescriptors(p.pid);
        return [
          p,
          {
            atMs,
            rssBytes: rssBytes(p.pid),
            sockets: fd?.sockets,
            fds: fd?.fds,
            ...(p.url ? await scrape(p.url) : {}),
            dataBytes: p.dataDir ? dirBytes(p.dataDir) : undefined,
            levelDbLogBytes: p.dataDir && p.levelDb ? levelDbLogBytes(p.dataDir) : undefined,
            errors: p.errors?.(),
          },
        ];
      }),
    );
    for (const [p, s] of taken) this.samples.get(p.name)?.push(s);
    const f = (n: number | undefined, digits = 0) => (n === undefined ? '–' : n.toFixed(digits));
    this.log(
      `resources at ${Math.round(atMs / 1000)} s: ` +
        taken
          .map(
            ([p, s]) =>
              `${p.name} ${f(mib(s.rssBytes))} MiB ${f(s.sockets)} sockets` +
              (s.heapUsedBytes === undefined
                ? ''
                : ` heap ${f(mib(s.heapUsedBytes))} ext ${f(mib(s.externalBytes))} ab ${f(mib(s.arrayBuffersBytes))} MiB`) +
              (s.loopDelayP99Ms === undefined ? '' : ` loop p99 ${f(s.loopDelayP99Ms, 1)} ms`) +
              (s.dataBytes === undefined ? '' : ` data ${f(mib(s.dataBytes), 1)} MiB`) +
              (s.levelDbLogBytes === undefined ? '' : ` (logs ${f(mib(s.levelDbLogBytes), 1)})`),
          )
          .join(' · '),
    );
  }

  all(): ReadonlyMap<string, readonly ResourceSample[]> {
    return this.samples;
  }

  /** Per process: the window's first and last sample (see GROWTH_WINDOW_MS) and the growth between. */
  growth(): GrowthRow[] {
    return this.processes.map((p) => growthOf(p.name, this.samples.get(p.name) ?? []));
  }
}

export function growthOf(name: string, samples: readonly ResourceSample[]): GrowthRow {
  const endMs = samples.at(-1)?.atMs ?? 0;
  const windowMs = growthWindowMs(endMs);
  const inWindow = samples.filter((s) => s.atMs >= endMs - windowMs);
  const first = inWindow[0];
  const last = inWindow.at(-1);
  const delays = samples.map((s) => s.loopDelayP99Ms).filter((d): d is number => d !== undefined);
  const sortedDelays = [...delays].sort((a, b) => a - b);
  const sockets = inWindow.map((s) => s.sockets).filter((n): n is number => n !== undefined);
  // Each figure from its own first and last sample in the window: a scrape that timed out leaves
  // a gap in the heap figures, not in RSS.
  const growthOfField = (
    field: 'rssBytes' | 'heapUsedBytes' | 'externalBytes' | 'arrayBuffersBytes' | 'levelDbLogBytes',
  ): MiBGrowth => {
    const values = inWindow.map((s) => s[field]).filter((n): n is number => n !== undefined);
    const v0 = values[0];
    const v1 = values.at(-1);
    return {
      windowStart: mib(v0),
      end: mib(v1),
      growthPct: v0 && v1 !== undefined ? ((v1 - v0) / v0) * 100 : undefined,
    };
  };
  return {
    name,
    samples: samples.length,
    rssMiB: growthOfField('rssBytes'),
    heapUsedMiB: growthOfField('heapUsedBytes'),
    externalMiB: growthOfField('externalBytes'),
    arrayBuffersMiB: growthOfField('arrayBuffersBytes'),
    sockets: {
      windowStart: first?.sockets,
      end: last?.sockets,
      max: sockets.length > 0 ? Math.max(...sockets) : undefined,
    },
    loopDelayP99Ms: {
      median: sortedDelays.length > 0 ? sortedDelays[Math.floor(sortedDelays.length / 2)] : undefined,
      max: sortedDelays.at(-1),
    },
    dataMiB: { windowStart: mib(first?.dataBytes), end: mib(last?.dataBytes) },
    levelDbLogMiB: growthOfField('levelDbLogBytes'),
    errors: last?.errors,
  };
}

/** The growth table a soak run prints. */
export function renderGrowth(rows: readonly GrowthRow[], windowMinutes: number): string {
  const f = (n: number | undefined, digits = 0) => (n === undefined ? '–' : n.toFixed(digits));
  const pct = (g: MiBGrowth) =>
    g.growthPct === undefined ? '–' : `${g.growthPct >= 0 ? '+' : ''}${f(g.growthPct, 1)} %`;
  const span = (g: MiBGrowth) =>
    g.windowStart === undefined ? '–' : `${f(g.windowStart)} → ${f(g.end)} (${pct(g)})`;
  const header = [
    'process',
    'samples',
    `RSS MiB (window start → end)`,
    'RSS growth',
    'heap used MiB',
    'external MiB',
    'array buffers MiB',
    'sockets (start → end, max)',
    'loop p99 ms (median, max)',
    'data MiB (start → end)',
    'LevelDB logs MiB',
    'errors logged',
  ];
  const body = rows.map((r) => [
    r.name,
    String(r.samples),
    `${f(r.rssMiB.windowStart)} → ${f(r.rssMiB.end)}`,
    pct(r.rssMiB),
    span(r.heapUsedMiB),
    span(r.externalMiB),
    span(r.arrayBuffersMiB),
    `${f(r.sockets.windowStart)} → ${f(r.sockets.end)}, ${f(r.sockets.max)}`,
    `${f(r.loopDelayP99Ms.median, 1)}, ${f(r.loopDelayP99Ms.max, 1)}`,
    `${f(r.dataMiB.windowStart, 1)} → ${f(r.dataMiB.end, 1)}`,
    r.levelDbLogMiB.windowStart === undefined
      ? '–'
      : `${f(r.levelDbLogMiB.windowStart, 1)} → ${f(r.levelDbLogMiB.end, 1)}`,
    r.errors === undefined ? '–' : String(r.errors),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [
    `growth over the last ${windowMinutes.toFixed(0)} min (earlier samples are warm-up)`,
    line(header),
    ...body.map(line),
  ].join('\n');
}
