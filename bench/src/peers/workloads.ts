/**
 * What the Goka peer runs in each scenario it takes part in, and which figures are compared.
 * The peer's topics are created here, before its process starts, with the same admin call as the
 * TypeScript side's (explicit, `partitions` partitions, replication 1, tables compacted): the
 * broker does not auto-create topics, and the peer's topic manager is told never to create one.
 */
import { join } from 'node:path';
import type { FilledTopic, TableFixture } from '../fixtures.ts';
import { createTopics, rawKafka } from '../kafka.ts';
import { uniqueName } from '../naming.ts';
import type { FigureSpec, TaskContext } from '../scenario.ts';
import { EMITTER_IN_FLIGHT } from '../scenarios/produce.ts';
import type { PeerWorkload } from './goka-peer.ts';

/** The name the peer's repetitions are recorded under, next to the scenario's own variants. */
export const PEER_VARIANT = 'goka-go';

/** One figure of this project compared with the same figure measured on Goka. */
export interface Comparison {
  /** This project's figure (a row of the scenario). */
  readonly figure: string;
  /** The peer's figure (a row added to the scenario). */
  readonly peerFigure: string;
  /** Throughput: higher is better; memory: lower is better. */
  readonly better: 'higher' | 'lower';
}

export interface PeerSide {
  /** Creates the peer's topics for repetition `rep` and says what it runs. */
  prepare(ctx: TaskContext, fixtures: Record<string, unknown>, rep: number): Promise<PeerWorkload>;
  /** The peer's rows (no baseline: its comparison is the Comparison below). */
  readonly figures: readonly FigureSpec[];
  readonly comparisons: readonly Comparison[];
}

const peerFigure = (figure: string, unit: string, measure: string): FigureSpec => ({
  figure: `Goka (Go) ${figure}`,
  unit,
  variant: PEER_VARIANT,
  measure,
});

export const PEER_SIDES: ReadonlyMap<string, PeerSide> = new Map<string, PeerSide>([
  [
    'produce',
    {
      async prepare(ctx, _fixtures, rep) {
        const topic = uniqueName(ctx, 'produce', PEER_VARIANT, rep);
        await createTopics(rawKafka(ctx.brokers, 'bench-admin'), [
          { name: topic, partitions: ctx.sizes.partitions },
        ]);
        const { produceRecords: records, keys, emitWindow: window } = ctx.sizes;
        return { workload: 'produce', brokers: ctx.brokers, topic, records, keys, window };
      },
      figures: [peerFigure('Emitter', 'msgs/s', 'rate')],
      comparisons: [
        { figure: 'Emitter', peerFigure: 'Goka (Go) Emitter', better: 'higher' },
        { figure: 'Emitter (platformatic producer)', peerFigure: 'Goka (Go) Emitter', better: 'higher' },
        {
          figure: `Emitter (platformatic, ${EMITTER_IN_FLIGHT} requests in flight)`,
          peerFigure: 'Goka (Go) Emitter',
          better: 'higher',
        },
      ],
    },
  ],
  [
    'stateful',
    {
      async prepare(ctx, fixtures, rep) {
        const source = fixtures['stateful-input'] as FilledTopic;
        const group = uniqueName(ctx, 'stateful', PEER_VARIANT, rep);
        await createTopics(rawKafka(ctx.brokers, 'bench-admin'), [
          { name: `${group}-table`, partitions: source.partitions, compacted: true },
        ]);
        return {
          workload: 'stateful',
          brokers: ctx.brokers,
          topic: source.topic,
          group,
          records: source.records,
          dir: join(ctx.workDir, `stateful-${PEER_VARIANT}-${rep}`),
        };
      },
      figures: [peerFigure('count processor throughput', 'msgs/s', 'rate')],
      comparisons: [
        {
          figure: 'count processor throughput',
          peerFigure: 'Goka (Go) count processor throughput',
          better: 'higher',
        },
        {
          figure: 'count processor throughput (platformatic producer)',
          peerFigure: 'Goka (Go) count processor throughput',
          better: 'higher',
        },
        // Not like for like — Goka writes every update to its changelog, coalescing one per key and
        // window — but it is what a user who turns the option on gets against Goka.
        {
          figure: 'count processor throughput, write coalescing',
          peerFigure: 'Goka (Go) count processor throughput',
          better: 'higher',
        },
        {
          figure: 'count processor throughput, write coalescing (platformatic producer)',
          peerFigure: 'Goka (Go) count processor throughput',
          better: 'higher',
        },
      ],
    },
  ],
  [
    'recovery',
    {
      async prepare(ctx, fixtures, rep) {
        const table = fixtures['table-changelog'] as TableFixture;
        return {
          workload: 'recovery',
          brokers: ctx.brokers,
          table: table.table,
          records: table.records,
          dir: join(ctx.workDir, `recovery-${PEER_VARIANT}-${rep}`),
        };
      },
      figures: [
        peerFigure('View recovery until running', 'records/s', 'rate'),
        peerFigure('View recovery peak RSS', 'MiB', 'peakRssMiB'),
      ],
      comparisons: [
        {
          figure: 'View recovery until running',
          peerFigure: 'Goka (Go) View recovery until running',
          better: 'higher',
        },
        {
          figure: 'View recovery until running (platformatic reader)',
          peerFigure: 'Goka (Go) View recovery until running',
          better: 'higher',
        },
        {
          figure: 'View recovery peak RSS',
          peerFigure: 'Goka (Go) View recovery peak RSS',
          better: 'lower',
        },
        {
          figure: 'View recovery peak RSS (platformatic reader)',
          peerFigure: 'Goka (Go) View recovery peak RSS',
          better: 'lower',
        },
      ],
    },
  ],
]);
