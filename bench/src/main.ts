/**
 * `npm run bench [-- --quick] [--json] [--only a,b] [--reps n] [--cpu-prof[=dir]] [--peers]`
 *
 * Starts a throwaway broker through infra/kafka (or uses KAFKA_BROKERS), runs every scenario —
 * each fixture and each repetition of each variant in its own child process — and prints a
 * table (stdout), or with --json one JSON document (stdout; the table then goes to stderr).
 * Progress lines go to stderr. The broker and every child are stopped at the end, on failure,
 * on Ctrl-C and on SIGTERM. With --peers the Goka peer (bench/peers/goka, Go) is built once and
 * runs the produce, stateful and recovery workloads too, its repetitions interleaved with the
 * TypeScript side's.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { KAFKA_VERSION, type ProvidedKafka, provideKafka } from '@showcase/kafka-infra';
import { exitWhenWritten } from '@showcase/simkit';
import type { ChildTask, VariantReply } from './child.ts';
import { rawKafka, withAdmin } from './kafka.ts';
import { newRunId } from './naming.ts';
import { comparePeers, formatPeerTable } from './peers/comparison.ts';
import { buildPeer, GOKA_VERSION, goUnavailable, goVersion, runPeer } from './peers/goka-peer.ts';
import { PEER_SIDES, PEER_VARIANT } from './peers/workloads.ts';
import { runTask, stopAllChildren } from './processes.ts';
import { formatNumber, formatTable, type Row, type Runs, scenarioRows, skippedRow } from './report.ts';
import type { Report } from './report-document.ts';
import type { Measurements, Scenario, TaskContext } from './scenario.ts';
import { loadScenario, SCENARIO_NAMES } from './scenarios/index.ts';
import { type Mode, SIZES } from './sizes.ts';

const CHILD = resolve(import.meta.dirname, 'child.ts');

interface Options {
  mode: Mode;
  json: boolean;
  only: string[] | undefined;
  repetitions: number | undefined;
  cpuProf: string | undefined;
  peers: boolean;
}

/** The built Goka peer, when --peers is given and Go is there. */
interface Peer {
  readonly binary: string;
}

const usage = `usage: npm run bench -- [--quick] [--json] [--only name,name] [--reps n] [--cpu-prof[=dir]] [--peers]
  --quick      every scenario small (about 2 minutes in all); the full run takes up to 15
  --json       one JSON document on stdout (the table goes to stderr)
  --only       scenarios to run: ${SCENARIO_NAMES.join(', ')}
  --reps       repetitions per figure (at least 3, the default)
  --cpu-prof   write a .cpuprofile of every repetition's process (default dir bench/.profiles);
               summarise with: npx tsx bench/src/profile-summary.ts <dir or files>
  --peers      also run Goka ${GOKA_VERSION} (Go, bench/peers/goka) in ${[...PEER_SIDES.keys()].join(', ')},
               alternating with this project, and compare (skipped when \`go\` is missing)
env: KAFKA_BROKERS=host:port uses that cluster instead of starting a broker`;

function parseArgs(argv: readonly string[]): Options {
  const o: Options = {
    mode: 'full',
    json: false,
    only: undefined,
    repetitions: undefined,
    cpuProf: undefined,
    peers: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--quick') o.mode = 'quick';
    else if (arg === '--full') o.mode = 'full';
    else if (arg === '--json') o.json = true;
    else if (arg === '--peers') o.peers = true;
    else if (arg === '--only' || arg.startsWith('--only=')) o.only = value().split(',').filter(Boolean);
    else if (arg === '--reps' || arg.startsWith('--reps=')) o.repetitions = Number(value());
    else if (arg === '--cpu-prof') o.cpuProf = resolve(import.meta.dirname, '..', '.profiles');
    else if (arg.startsWith('--cpu-prof=')) o.cpuProf = resolve(arg.slice('--cpu-prof='.length));
    else if (arg === '--help' || arg === '-h') {
      console.log(usage);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${usage}`);
  }
  if (o.repetitions !== undefined && !(Number.isInteger(o.repetitions) && o.repetitions >= 3)) {
    throw new Error('--reps must be an integer of at least 3: every figure is a median of 3 or more');
  }
  for (const name of o.only ?? []) {
    if (!SCENARIO_NAMES.includes(name)) throw new Error(`unknown scenario ${name}\n${usage}`);
  }
  return o;
}

/** Set on SIGINT/SIGTERM/SIGHUP: no new child is started, cleanup runs, the process exits. */
let stopping = false;

const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function summary(m: Measurements): string {
  return Object.entries(m)
    .map(([k, v]) => `${k}=${formatNumber(v)}`)
    .join(' ');
}

async function runScenario(
  scenario: Scenario,
  ctx: TaskContext,
  options: Options,
  earlier: readonly Row[],
  fixtureCache: Map<string, unknown>,
  peer: Peer | undefined,
): Promise<Row[]> {
  const parameters = { ...scenario.parameters(ctx.sizes), repetitions: ctx.sizes.repetitions };
  const reason = await scenario.unavailable?.();
  if (reason) {
    say(`${scenario.number} ${scenario.name}: skipped (${reason})`);
    return [skippedRow(scenario, parameters, `skipped: ${reason}`)];
  }
  const timeoutMs = scenario.timeoutMs(ctx.sizes);
  const notes = new Map<string, string>();
  const variants: Scenario['variants'][number][] = [];
  for (const v of scenario.variants) {
    const why = await v.unavailable?.();
    if (why) notes.set(v.name, `skipped: ${why}`);
    else variants.push(v);
  }
  const peerSide = peer ? PEER_SIDES.get(scenario.name) : undefined;
  const figures = peerSide ? [...scenario.figures, ...peerSide.figures] : scenario.figures;
  try {
    const fixtures: Record<string, unknown> = {};
    if (variants.length > 0) {
      for (const f of scenario.fixtures) {
        if (stopping) throw new Error('interrupted');
        if (!fixtureCache.has(f.name)) {
          say(`${scenario.number} ${scenario.name}: fixture ${f.name}`);
          const task: ChildTask = {
            kind: 'fixture',
            ctx,
            scenario: scenario.name,
            fixture: f.name,
            fixtures: { ...fixtures },
          };
          fixtureCache.set(f.name, await runTask(CHILD, task, { timeoutMs }));
        }
        fixtures[f.name] = fixtureCache.get(f.name);
      }
    }
    // Every side of the scenario: its variants (each repetition a Node child) and the peer.
    // A side's run gives the measurements of one repetition, or of all of them at rep 1 (and
    // none later) for a variant that runs every repetition in one process.
    const sides: { name: string; run(rep: number): Promise<Measurements[]> }[] = variants.map((v) => ({
      name: v.name,
      async run(rep) {
        if (v.repetitionsInOneProcess && rep > 1) return [];
        const task: ChildTask = {
          kind: 'variant',
          ctx,
          scenario: scenario.name,
          variant: v.name,
          rep: v.repetitionsInOneProcess ? 0 : rep,
          fixtures,
        };
        const execArgv = options.cpuProf
          ? // One directory per repetition: the main thread and tsx's loader thread each write a profile.
            [
              '--cpu-prof',
              `--cpu-prof-dir=${join(options.cpuProf, ctx.runId, `${scenario.name}-${v.name}-${rep}`)}`,
            ]
          : [];
        const reply = await runTask<VariantReply>(CHILD, task, { timeoutMs, execArgv });
        const all = Array.isArray(reply.measurements) ? reply.measurements : [reply.measurements];
        return all.map((m) => ({ ...m, peakRssMiB: reply.peakRssMiB }));
      },
    }));
    if (peer && peerSide && variants.length > 0) {
      sides.push({
        name: PEER_VARIANT,
        async run(rep) {
          const workload = await peerSide.prepare(ctx, fixtures, rep);
          return [
            await runPeer(peer.binary, workload, {
              timeoutMs,
              prefix: `[${scenario.name} ${PEER_VARIANT} #${rep}]`,
            }),
          ];
        },
      });
    }
    const runs: Runs = new Map();
    for (let rep = 1; rep <= ctx.sizes.repetitions; rep++) {
      // Alternate the order so that drift (page cache, broker log growth) hits every side alike.
      const order = rep % 2 === 1 ? sides : [...sides].reverse();
      for (const v of order) {
        if (notes.has(v.name) || stopping) continue;
        const began = Date.now();
        try {
          const all = await v.run(rep);
          const done = runs.get(v.name) ?? [];
          runs.set(v.name, [...done, ...all]);
          all.forEach((m, i) => {
            const n = all.length > 1 ? done.length + i + 1 : rep;
            say(
              `${scenario.number} ${scenario.name} ${v.name} #${n}/${ctx.sizes.repetitions}: ${summary(m)} (${seconds(Date.now() - began)})`,
            );
          });
        } catch (error) {
          const message = firstLine(error);
          say(`${scenario.number} ${scenario.name} ${v.name} #${rep}: failed: ${message}`);
          notes.set(v.name, `failed: ${message}`);
        }
      }
    }
    return scenarioRows({ ...scenario, figures }, runs, parameters, earlier, notes);
  } catch (error) {
    const message = firstLine(error);
    say(`${scenario.number} ${scenario.name}: failed: ${message}`);
    return [skippedRow(scenario, parameters, `failed: ${message}`)];
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!;
}

function revision(): Report['revision'] {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: import.meta.dirname,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    const commit = git('rev-parse', 'HEAD').trim();
    const gokaUncommitted = git('status', '--porcelain', '--', '../../libs/goka').trim() !== '';
    return { commit, gokaUncommitted };
  } catch {
    return null; // not a git checkout
  }
}

async function deleteRunTopics(brokers: string[], runId: string): Promise<void> {
  const kafka = rawKafka(brokers, 'bench-cleanup');
  await withAdmin(kafka, async (admin) => {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`bench-${runId}-`));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  });
}

/**
 * --peers: builds the Goka peer once per run. Without Go it is skipped (no failure); a failed
 * build is reported as a failure. Either way the TypeScript side still runs.
 */
async function preparePeer(): Promise<{ peer: Peer | undefined; name: string | null; skipped?: string }> {
  const why = await goUnavailable();
  if (why) {
    say(`Goka peer skipped: ${why}`);
    return { peer: undefined, name: null, skipped: why };
  }
  try {
    const binary = await buildPeer(say);
    return { peer: { binary }, name: `github.com/lovoo/goka ${GOKA_VERSION} (${await goVersion()})` };
  } catch (error) {
    const message = firstLine(error);
    say(`Goka peer: ${message}`);
    return { peer: undefined, name: null, skipped: `failed: ${message}` };
  }
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  // Read at the start: the code measured is the code checked out when the run began, even if a
  // commit happens while a long run goes on.
  const measured = revision();
  const loadAtStart = loadavg()[0]!;
  const sizes = {
    ...SIZES[options.mode],
    repetitions: options.repetitions ?? SIZES[options.mode].repetitions,
  };
  let kafka: ProvidedKafka | undefined;
  let workDir: string | undefined;
  const cleanUp = async () => {
    await stopAllChildren();
    await kafka?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      say(`${sig}: stopping the children and the broker`);
      void cleanUp().finally(() => process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const)[sig]));
    });
  }

  try {
    if (options.cpuProf) mkdirSync(options.cpuProf, { recursive: true });
    // Built before the broker starts: the first build on a machine takes minutes of CPU.
    const peerSetup = options.peers ? await preparePeer() : undefined;
    if (stopping) return 130;
    say(
      process.env.KAFKA_BROKERS
        ? `using the Kafka cluster at KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`
        : 'starting a Kafka broker for this run (set KAFKA_BROKERS to use another cluster)',
    );
    kafka = await provideKafka({ log: say });
    if (kafka.broker) say(`broker ready at ${kafka.brokers.join(',')} in ${seconds(kafka.broker.startupMs)}`);
    workDir = mkdtempSync(join(tmpdir(), 'goka-bench-'));
    const ctx: TaskContext = {
      brokers: kafka.brokers,
      runId: newRunId(),
      mode: options.mode,
      sizes,
      workDir,
    };
    say(`run ${ctx.runId}, ${options.mode} mode, ${sizes.repetitions} repetitions per figure`);

    const rows: Row[] = [];
    const fixtureCache = new Map<string, unknown>();
    const selected = SCENARIO_NAMES.filter((name) => !options.only || options.only.includes(name));
    for (const name of selected) {
      const scenario = await loadScenario(name);
      if (stopping) break;
      const began = Date.now();
      say(`${scenario.number} ${scenario.title}`);
      rows.push(...(await runScenario(scenario, ctx, options, rows, fixtureCache, peerSetup?.peer)));
      say(`${scenario.number} ${scenario.name}: done in ${seconds(Date.now() - began)}`);
    }
    if (stopping) return 130; // interrupted: no report of half a run
    if (!kafka.broker) await deleteRunTopics(kafka.brokers, ctx.runId).catch(() => undefined);

    const report: Report = {
      mode: options.mode,
      revision: measured,
      startedAt: new Date(started).toISOString(),
      wallSeconds: Math.round((Date.now() - started) / 100) / 10,
      scenarios: rows,
      peers: peerSetup
        ? {
            peer: peerSetup.name,
            ...(peerSetup.skipped ? { skipped: peerSetup.skipped } : {}),
            comparisons: peerSetup.peer ? comparePeers(rows, PEER_SIDES) : [],
          }
        : null,
      machine: {
        cores: availableParallelism(),
        cpu: cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        kafka: KAFKA_VERSION,
        brokers: kafka.broker ? 'started by the benchmark' : 'KAFKA_BROKERS',
        loadAverage: { start: loadAtStart, end: loadavg()[0]! },
      },
    };
    const table = report.peers
      ? `${formatTable(rows)}\n\n${formatPeerTable(report.peers)}`
      : formatTable(rows);
    if (options.json) {
      process.stderr.write(`${table}\n`);
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      process.stdout.write(
        `${table}\n\n${report.machine.cores} cores (${report.machine.cpu}), Node ${report.machine.node}, Kafka ${report.machine.kafka}; ${options.mode} mode in ${report.wallSeconds} s; load average ${report.machine.loadAverage.start.toFixed(1)} at start, ${report.machine.loadAverage.end.toFixed(1)} at end\n` +
          (report.revision
            ? `revision ${report.revision.commit.slice(0, 10)}${report.revision.gokaUncommitted ? ' with uncommitted changes in libs/goka' : ''}\n`
            : ''),
      );
    }
    say(`finished in ${seconds(Date.now() - started)}`);
    const peerFailed = report.peers?.skipped?.startsWith('failed') ?? false;
    return peerFailed || rows.some((r) => r.note?.startsWith('failed')) ? 1 : 0;
  } finally {
    if (!stopping) await cleanUp();
  }
}

// After a signal the handler cleans up and exits; main() finishing meanwhile must not cut that short.
main().then(
  (code) => {
    if (!stopping) exitWhenWritten(code);
  },
  (error: unknown) => {
    say(error instanceof Error ? (error.stack ?? error.message) : String(error));
    if (!stopping) exitWhenWritten(1);
  },
);
