/**
 * One processor instance of the tally group as a process of its own, so fault tests can
 * SIGKILL it. Run with `node --import tsx tally-instance.ts`; configured through env:
 *   GOKA_BROKERS, GOKA_GROUP, GOKA_TOPIC, GOKA_STORE (levelStorage dir), GOKA_INSTANCE (this
 *   incarnation's name), GOKA_STATS (file the instance rewrites with its stats every 100 ms),
 *   GOKA_STANDBY=1 (hot standby), GOKA_GUARANTEE (at-least-once | exactly-once), GOKA_SESSION_MS,
 *   GOKA_KIND=edges for the table+loopback group of support/edge-group.ts instead of the tally,
 *   KAFKA_PRODUCER=platformatic to write through @platformatic/kafka (default kafkajs),
 *   GOKA_ENDPOINT (routed reads: the endpoint it publishes; its stats carry the group's host map).
 * SIGTERM stops the processor gracefully (drain, commit, leave the group) and exits 0; a
 * failed processor exits 1. Either way the stats file says why.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { type Group, kafkaCluster, levelStorage, Processor } from '../../src/index.ts';
import { edgeGroup } from './edge-group.ts';
import { tallyGroup } from './kafka.ts';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const instance = env('GOKA_INSTANCE');
const statsFile = env('GOKA_STATS');
/**
 * Evidence that this incarnation lost its group membership while it worked (a starved machine
 * expires sessions): commits the coordinator rejected, rejoins as a new member. The fault tests
 * allow at-least-once re-processing only of work that was killed or lost this way.
 */
/** Only what LOG_LEVEL asks for reaches stderr; warnings are always counted. */
const echo = ['trace', 'debug', 'info', 'warn'].includes(process.env.LOG_LEVEL ?? 'fatal');
const membership = { commitsRejected: 0, rejoinedAsNew: 0, transactionsFailed: 0 };
const logger = pino(
  {
    name: instance,
    level: 'warn',
    hooks: {
      logMethod(args, method) {
        const text = args.find((a): a is string => typeof a === 'string') ?? '';
        if (text.startsWith('commit failed')) membership.commitsRejected++;
        if (text.startsWith('rejoined the group as a new member')) membership.rejoinedAsNew++;
        // Exactly-once: a transaction the broker refused (a zombie's, fenced by the next owner).
        if (text.startsWith('a transaction failed')) membership.transactionsFailed++;
        if (echo) method.apply(this, args);
      },
    },
  },
  pino.destination({ fd: 2, sync: false }),
);
const cluster = kafkaCluster({
  brokers: env('GOKA_BROKERS').split(','),
  clientId: `goka-test-${instance}`,
  sessionTimeoutMs: Number(process.env.GOKA_SESSION_MS ?? 6_000),
  heartbeatIntervalMs: 1_000,
  logger,
  producer: process.env.KAFKA_PRODUCER === 'platformatic' ? 'platformatic' : 'kafkajs',
});
const group: Group<unknown, unknown> =
  process.env.GOKA_KIND === 'edges'
    ? (edgeGroup(env('GOKA_GROUP'), env('GOKA_TOPIC')) as Group<unknown, unknown>)
    : (tallyGroup(env('GOKA_GROUP'), env('GOKA_TOPIC'), instance) as Group<unknown, unknown>);
const processor = new Processor(group, {
  cluster,
  storage: levelStorage({ path: env('GOKA_STORE') }),
  standby: process.env.GOKA_STANDBY === '1',
  guarantee: process.env.GOKA_GUARANTEE === 'exactly-once' ? 'exactly-once' : 'at-least-once',
  logger,
  ...(process.env.GOKA_ENDPOINT ? { endpoint: process.env.GOKA_ENDPOINT } : {}),
});

function writeStats(extra: Record<string, unknown> = {}): void {
  const stats = {
    instance,
    pid: process.pid,
    at: Date.now(),
    ...processor.stats(),
    owned: processor.partitions,
    error: processor.error?.message,
    hosts: processor.hosts() ?? null,
    ...membership,
    ...extra,
  };
  // Atomic, so the parent never reads half a file. A failed write (disk full, the test's dir
  // already removed) must not throw into the processor's 'state' listener and fail it: the
  // instance goes on, and the next write may succeed.
  try {
    writeFileSync(`${statsFile}.tmp`, JSON.stringify(stats));
    renameSync(`${statsFile}.tmp`, statsFile);
  } catch (error) {
    console.error(`${instance}: cannot write stats to ${statsFile}:`, error);
  }
}

const timer = setInterval(() => writeStats(), 100);
processor.on('state', () => writeStats());

let exiting = false;
async function exit(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  clearInterval(timer);
  await processor.stop().catch(() => undefined);
  await cluster.close().catch(() => undefined);
  writeStats({ exited: code });
  process.exit(code);
}

process.on('SIGTERM', () => void exit(0));
// Started with an IPC channel: it closes when the parent dies, even by SIGKILL. No orphans.
process.on('disconnect', () => void exit(0));
processor.done().catch(() => void exit(1));
processor.start().then(
  () => writeStats({ started: true }),
  () => void exit(1),
);
