/**
 * 12 platform: the whole platform as `npm start` runs it (every service its own process, one
 * broker), loaded through each write route over HTTP from a load generator process with many
 * users, and through the route's input topic directly (processing capacity without HTTP).
 * Per route: the max accepted rate (closed loop), latency at 25 / 50 / 100 % of it offered
 * (open loop, from the scheduled send time), how long the slowest downstream group needs after
 * the last write, records processed per event, CPU seconds per 1,000 events of every process
 * (the broker included) and CPU per record across the platform against the core's count
 * processor measured in the same run. See platform/run.ts and the README.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { filledTopic } from '../fixtures.ts';
import { PLATFORM_SERVICES } from '../platform/launch.ts';
import { ROUTE_NAMES, ROUTES } from '../platform/routes.ts';
import { BROKER, LOAD_GENERATOR, runPlatform } from '../platform/run.ts';
import { OPEN_SHARES } from '../platform/sizes.ts';
import type { Baseline, FigureSpec, Scenario } from '../scenario.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const VARIANT = 'platform';
const COUNT: Baseline = { variant: VARIANT, measure: 'count.cpuUsPerRecord' };
const PROCESSES = [...PLATFORM_SERVICES, BROKER, 'platform'] as const;

function figure(figure: string, unit: string, measure: string, baseline?: Baseline): FigureSpec {
  return { figure, unit, variant: VARIANT, measure, ...(baseline ? { baseline } : {}) };
}

function routeFigures(route: (typeof ROUTE_NAMES)[number]): FigureSpec[] {
  const label = `${route} ${ROUTES[route].label}`;
  const http = `${route}.http`;
  const direct = `${route}.direct`;
  const cpuOf = (prefix: string, form: string, processes: readonly string[]) =>
    processes.map((p) =>
      figure(
        `${label}, ${form}: CPU of ${p === 'platform' ? 'the platform (services + broker)' : p}`,
        'CPU s/1k events',
        `${prefix}.cpu.${p}`,
      ),
    );
  return [
    figure(`${label}: max accepted (closed loop)`, 'req/s', `${route}.rate`),
    figure(`${label}: p50 at max (closed loop)`, 'ms', `${route}.closed.p50`),
    figure(`${label}: p99 at max (closed loop)`, 'ms', `${route}.closed.p99`),
    ...OPEN_SHARES.flatMap((share) => {
      const key = `${route}.open${Math.round(share * 100)}`;
      const at = `at ${share * 100} % of max offered (open loop)`;
      return [
        figure(`${label}: achieved ${at}`, 'req/s', `${key}.achieved`),
        figure(`${label}: p50 ${at}`, 'ms', `${key}.p50`),
        figure(`${label}: p99 ${at}`, 'ms', `${key}.p99`),
        figure(`${label}: p99.9 ${at}`, 'ms', `${key}.p999`),
      ];
    }),
    figure(`${label}: slowest group idle after the last write`, 'ms', `${http}.drainMs`),
    figure(`${label}: records processed per event, all groups`, 'records', `${http}.recordsPerEvent`),
    figure(`${label}: lag shown by idle groups`, 'records', `${http}.idleLag`),
    ...cpuOf(http, 'HTTP', [...PROCESSES, LOAD_GENERATOR]),
    figure(
      `${label}, HTTP: platform CPU per record vs the count processor`,
      'µs/record',
      `${http}.cpuUsPerRecord`,
      COUNT,
    ),
    figure(`${route} direct to ${ROUTES[route].topic.name}: processed`, 'events/s', `${direct}.rate`),
    figure(`${route} direct: slowest group idle after the last write`, 'ms', `${direct}.drainMs`),
    figure(
      `${route} direct: records processed per event, all groups`,
      'records',
      `${direct}.recordsPerEvent`,
    ),
    ...cpuOf(direct, 'direct', PROCESSES),
    figure(
      `${route} direct: platform CPU per record vs the count processor`,
      'µs/record',
      `${direct}.cpuUsPerRecord`,
      COUNT,
    ),
  ];
}

export const platform: Scenario = {
  name: 'platform',
  number: 12,
  title: 'platform: every service its own process; each write route over HTTP and straight into its topic',
  async unavailable() {
    const missing = PLATFORM_SERVICES.filter((s) => !existsSync(join(ROOT, 'services', s, 'src', 'main.ts')));
    return missing.length > 0 ? `no services/${missing.join(', services/')}` : undefined;
  },
  fixtures: [
    filledTopic(
      'platform-count-input',
      (ctx) => ctx.sizes.platform.countRecords,
      (ctx) => ctx.sizes.keys,
    ),
  ],
  variants: [
    {
      name: VARIANT,
      repetitionsInOneProcess: true,
      run: (ctx, fixtures, _rep, log) => runPlatform(ctx, fixtures, log),
    },
  ],
  figures: [
    figure('core count processor (baseline)', 'records/s', 'count.rate'),
    figure('core count processor CPU per record (processor + broker)', 'µs/record', 'count.cpuUsPerRecord'),
    ...ROUTE_NAMES.flatMap(routeFigures),
  ],
  parameters: (s) => {
    const p = s.platform;
    return {
      services: PLATFORM_SERVICES,
      routes: ROUTE_NAMES.map((r) => `${r} ${ROUTES[r].label}`),
      users: p.users,
      closedLoop: { connections: p.connections, durationMs: p.closedMs, client: 'autocannon, own process' },
      openLoop: {
        shares: p.openShares,
        durationMs: p.openMs,
        sockets: p.openConnections,
        client: 'node:http keep-alive, own process',
      },
      directRecords: { timesClosedLoopAccepted: 3, min: p.directMinRecords, max: p.directRecords },
      idle: { holdMs: p.holdMs, pollMs: p.pollMs, source: 'GET /admin/groups of every service' },
      countRecords: p.countRecords,
      cpu: '/proc/<pid>/stat utime+stime, from the start of the load until every group is idle',
    };
  },
  // One child runs every repetition; its drains are bounded by drainTimeoutMs each.
  timeoutMs: (s) => 300_000 + s.repetitions * 12 * (s.platform.closedMs + 3 * s.platform.openMs + 60_000),
};
