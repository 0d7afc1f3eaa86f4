/**
 * One run of the platform scenario (12), in one child process: the count-processor baseline,
 * then the platform started once and every repetition of every route against it (starting five
 * services takes longer than a quick repetition; see `repetitionsInOneProcess`).
 */
import { join } from 'node:path';
import { levelStorage, Processor } from '@showcase/goka';
import { mintToken } from '@showcase/service-kit';
import { gokaCluster } from '../cluster.ts';
import { countGroup } from '../count-group.ts';
import type { FilledTopic } from '../fixtures.ts';
import { uniqueName } from '../naming.ts';
import { spawnNode, stopChild } from '../processes.ts';
import type { Measurements, TaskContext } from '../scenario.ts';
import { Countdown } from '../scenarios/consume.ts';
import { settled } from '../scenarios/stateful.ts';
import { servicePartitions } from '../service-partitions.ts';
import { epochMs } from '../stats.ts';
import { CpuMeter, cpuSeconds, pidListeningOn } from './cpu.ts';
import { type Drained, type Endpoint, readGroups, waitDrained } from './groups.ts';
import { type Platform, startPlatform } from './launch.ts';
import type { LoadReply, LoadRequest, LoadResponse, LoadTask } from './load.ts';
import { ROUTE_NAMES, ROUTES, type RouteName } from './routes.ts';
import type { PlatformSizes } from './sizes.ts';

const LOAD = join(import.meta.dirname, 'load.ts');
export const SECRET = 'bench-only-auth-secret-0123456789-platform';
export const BROKER = 'broker';
export const LOAD_GENERATOR = 'load generator';

/** The load generator process; `call` sends one task and resolves with its reply. */
export function startLoad() {
  const child = spawnNode(LOAD, []);
  const waiting = new Map<number, { resolve: (v: LoadReply | null) => void; reject: (e: Error) => void }>();
  let seq = 0;
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (m: LoadResponse) => {
      if (m.seq === 0) return resolve();
      const w = waiting.get(m.seq);
      waiting.delete(m.seq);
      if (m.ok) w?.resolve(m.value);
      else w?.reject(new Error(m.error));
    });
    child.once('exit', (code) => {
      reject(new Error(`load generator exited (${code})`));
      for (const w of waiting.values()) w.reject(new Error(`load generator exited (${code})`));
      waiting.clear();
    });
  });
  return {
    ready,
    pid: () => child.pid,
    async call(task: LoadTask, warm = false): Promise<LoadReply> {
      await ready;
      const id = ++seq;
      const answer = new Promise<LoadReply | null>((resolve, reject) => waiting.set(id, { resolve, reject }));
      child.send({ seq: id, task, ...(warm ? { warm } : {}) } satisfies LoadRequest & { warm?: boolean });
      return (await answer) as LoadReply;
    },
    stop: () => stopChild(child),
  };
}
export type Load = ReturnType<typeof startLoad>;

/** Records per second of the core's count processor and the CPU (its process + the broker) per record. */
async function countBaseline(
  ctx: TaskContext,
  source: FilledTopic,
  rep: number,
  brokerPid: number | undefined,
  log: (line: string) => void,
): Promise<Measurements> {
  const countdown = new Countdown(source.records);
  const group = countGroup(uniqueName(ctx, 'platform-count', rep), source.topic, () => countdown.add(1));
  const cluster = gokaCluster(ctx.brokers, 'bench-platform-count');
  const processor = new Processor(group, {
    cluster,
    storage: levelStorage({ path: join(ctx.workDir, `platform-count-${rep}`) }),
  });
  const meter = new CpuMeter(
    new Map([['self', process.pid], ...(brokerPid ? [[BROKER, brokerPid] as const] : [])]),
  );
  try {
    meter.begin();
    const began = epochMs();
    await processor.start();
    await countdown.done;
    await settled(processor);
    const ms = epochMs() - began;
    const cpu = meter.end();
    const seconds = (cpu.get('self') ?? 0) + (cpu.get(BROKER) ?? Number.NaN);
    const m = {
      'count.rate': (source.records * 1000) / ms,
      'count.cpuUsPerRecord': (seconds * 1e6) / source.records,
    };
    log(
      `count processor #${rep}: ${Math.round(m['count.rate'])} records/s, ${m['count.cpuUsPerRecord'].toFixed(1)} µs CPU per record (processor + broker, join included)`,
    );
    return m;
  } finally {
    await processor.stop();
    await cluster.close();
  }
}

export interface Phase {
  readonly endpoints: readonly Endpoint[];
  readonly adminToken: string;
  readonly pids: ReadonlyMap<string, number>;
  readonly sizes: PlatformSizes;
  readonly partitions: number;
  readonly log: (line: string) => void;
}

/**
 * Runs one load task and waits until every group is idle again; the CPU of every process from
 * the start of the load to idle, per 1,000 accepted events, and what the groups did.
 */
export async function measured(
  phase: Phase,
  load: Load,
  task: LoadTask,
  prefix: string,
): Promise<{ m: Measurements; reply: LoadReply; drained: Drained }> {
  const { sizes } = phase;
  const before = await readGroups(phase.endpoints, phase.adminToken);
  const meter = new CpuMeter(phase.pids);
  meter.begin();
  const reply = await load.call(task);
  const drained = await waitDrained(phase.endpoints, phase.adminToken, before, reply.lastAt, {
    holdMs: sizes.holdMs,
    pollMs: sizes.pollMs,
    timeoutMs: sizes.drainTimeoutMs,
    markerAllowance: phase.partitions,
    log: phase.log,
  });
  // Idle is confirmed `holdMs` after the last change: that wait is nobody's work, but it is
  // in the CPU window — idle processes add a little (heartbeats, polls), alike for every phase.
  const cpu = meter.end();
  const m: Measurements = {
    [`${prefix}.drainMs`]: drained.drainMs,
    [`${prefix}.recordsPerEvent`]: drained.processed / reply.accepted,
    [`${prefix}.idleLag`]: drained.idleLag,
  };
  let platformSeconds = 0;
  for (const [name, seconds] of cpu) {
    m[`${prefix}.cpu.${name}`] = (seconds * 1000) / reply.accepted;
    if (name !== LOAD_GENERATOR) platformSeconds += seconds;
  }
  m[`${prefix}.cpu.platform`] = (platformSeconds * 1000) / reply.accepted;
  m[`${prefix}.cpuUsPerRecord`] = (platformSeconds * 1e6) / Math.max(1, drained.processed);
  const slowest = [...drained.perGroup].sort((a, b) => b[1] - a[1]);
  phase.log(
    `${prefix}: ${reply.accepted} accepted at ${Math.round(reply.rate)}/s; ${drained.processed} records in ${drained.perGroup.size} groups (${(drained.processed / reply.accepted).toFixed(1)} per event); idle after the last write: ${slowest.map(([g, ms]) => `${g} ${Math.round(ms)} ms`).join(', ') || 'nothing moved'}; idle lag ${drained.idleLag}`,
  );
  return { m, reply, drained };
}

export async function runPlatform(
  ctx: TaskContext,
  fixtures: Record<string, unknown>,
  log: (line: string) => void,
): Promise<Measurements[]> {
  const sizes = ctx.sizes.platform;
  const reps = Math.min(ctx.sizes.repetitions, sizes.repetitions ?? ctx.sizes.repetitions);
  const port = Number(ctx.brokers[0]?.split(':').pop());
  const brokerPid = pidListeningOn(port);
  if (brokerPid === undefined)
    log(`no process of this user listens on ${ctx.brokers[0]}: the broker's CPU is not measured`);
  else log(`broker pid ${brokerPid} (${cpuSeconds(brokerPid)?.toFixed(1)} CPU s so far)`);

  // The baseline first, with nothing else on the broker: the core's count processor.
  const source = fixtures['platform-count-input'] as FilledTopic;
  const results: Measurements[] = [];
  for (let rep = 1; rep <= reps; rep++) results.push(await countBaseline(ctx, source, rep, brokerPid, log));

  const admin = gokaCluster(ctx.brokers, 'bench-platform-partitions');
  const partitions = await servicePartitions(admin).finally(() => admin.close());
  log(`starting the platform: every service its own process, ${partitions} partitions`);
  const load = startLoad();
  let platform: Platform | undefined;
  try {
    platform = await startPlatform({
      brokers: ctx.brokers,
      secret: SECRET,
      dataDir: join(ctx.workDir, 'platform'),
      partitions,
      log,
    });
    await load.ready;
    const pids = new Map<string, number>();
    for (const s of platform.services) if (s.pid) pids.set(s.name, s.pid);
    if (brokerPid) pids.set(BROKER, brokerPid);
    const loadPid = load.pid();
    if (loadPid) pids.set(LOAD_GENERATOR, loadPid);
    const url = (service: string) => platform!.services.find((s) => s.name === service)!.url;
    const phase: Phase = {
      endpoints: platform.services.map((s) => ({ service: s.name, url: s.url })),
      adminToken: mintToken({ secret: SECRET, user: 'bench-admin', admin: true, ttlSeconds: 6 * 3600 }),
      pids,
      sizes,
      partitions,
      log,
    };
    const http = (route: RouteName, seed: number) => ({
      route,
      users: sizes.users,
      seed,
      url: url(ROUTES[route].service),
      secret: SECRET,
    });

    for (const route of ROUTE_NAMES) {
      await load.call(
        { kind: 'closed', ...http(route, 1), connections: sizes.connections, durationMs: 0 },
        true,
      );
      log(`${route}: warm-up, ${sizes.warmupMs} ms closed loop`);
      await measured(
        phase,
        load,
        { kind: 'closed', ...http(route, 2), connections: sizes.connections, durationMs: sizes.warmupMs },
        `${route}.warmup`,
      );
    }

    for (let rep = 1; rep <= reps; rep++) {
      const m = results[rep - 1]!;
      // Rotate the routes' order so that drift (tables and logs growing) hits each alike.
      const order = ROUTE_NAMES.map((_, i) => ROUTE_NAMES[(i + rep - 1) % ROUTE_NAMES.length]!);
      for (const route of order) {
        const seed = rep * 1000;
        log(`#${rep}/${reps} ${route}: closed loop, ${sizes.connections} connections, ${sizes.closedMs} ms`);
        const closedTask: LoadTask = {
          kind: 'closed',
          ...http(route, seed),
          connections: sizes.connections,
          durationMs: sizes.closedMs,
        };
        const closed = await measured(phase, load, closedTask, `${route}.http`);
        if (closed.reply.failed > 0) {
          log(
            `#${rep}/${reps} ${route}: ${closed.reply.failed} requests of the closed loop failed (errors or timeouts)`,
          );
        }
        Object.assign(m, closed.m, {
          [`${route}.closed.failed`]: closed.reply.failed,
          [`${route}.rate`]: closed.reply.rate,
          [`${route}.closed.p50`]: closed.reply.p50,
          [`${route}.closed.p99`]: closed.reply.p99,
        });
        for (const share of sizes.openShares) {
          const rate = Math.max(1, Math.round(closed.reply.rate * share));
          const open = await load.call({
            kind: 'open',
            ...http(route, seed + Math.round(share * 100)),
            connections: sizes.openConnections,
            durationMs: sizes.openMs,
            rate,
          });
          const key = `${route}.open${Math.round(share * 100)}`;
          Object.assign(m, {
            [`${key}.p50`]: open.p50,
            [`${key}.p99`]: open.p99,
            [`${key}.p999`]: open.p999,
            [`${key}.achieved`]: open.rate,
          });
          log(
            `#${rep}/${reps} ${route}: open loop at ${rate}/s (${share * 100} % of max): achieved ${Math.round(open.rate)}/s, p50 ${open.p50.toFixed(1)} / p99 ${open.p99.toFixed(1)} / p99.9 ${open.p999.toFixed(1)} ms${open.unsent > 0 ? `, ${open.unsent} not sent (5 s of requests unanswered)` : ''}`,
          );
        }
        // Back to idle before the direct form (not measured: the open loop's tail).
        await waitDrained(
          phase.endpoints,
          phase.adminToken,
          await readGroups(phase.endpoints, phase.adminToken),
          epochMs(),
          {
            holdMs: sizes.holdMs,
            pollMs: sizes.pollMs,
            timeoutMs: sizes.drainTimeoutMs,
            markerAllowance: partitions,
          },
        );
        // As many records as the closed loop accepted (3×, within the bounds): enough to measure
        // the processing rate, and bounded in time even where processing is far slower than HTTP.
        const records = Math.round(
          Math.min(sizes.directRecords, Math.max(sizes.directMinRecords, 3 * closed.reply.accepted)),
        );
        log(`#${rep}/${reps} ${route}: ${records} records straight to ${ROUTES[route].topic.name}`);
        const direct = await measured(
          phase,
          load,
          {
            kind: 'direct',
            route,
            users: sizes.users,
            seed: seed + 7,
            brokers: ctx.brokers,
            records,
          },
          `${route}.direct`,
        );
        Object.assign(m, direct.m, {
          // Processing capacity: records written until every group was idle again.
          // Processing capacity: records per second from the first write until the slowest group
          // had processed its last record.
          [`${route}.direct.rate`]:
            (direct.reply.accepted * 1000) /
            (direct.reply.lastAt + direct.drained.drainMs - direct.reply.firstAt),
        });
      }
    }
    return results;
  } finally {
    await platform?.stop();
    await load.stop();
  }
}
