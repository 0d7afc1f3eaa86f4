/** The JSON document `npm run bench -- --json` prints: the rows, the Goka peer's table, the machine. */
import type { PeersReport } from './peers/comparison.ts';
import type { Row } from './report.ts';

export interface Machine {
  readonly cores: number;
  readonly cpu: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly kafka: string;
  readonly brokers: 'started by the benchmark' | 'KAFKA_BROKERS';
  /** 1-minute load average at start and end: other work on the machine skews every figure. */
  readonly loadAverage: { readonly start: number; readonly end: number };
}

export interface Report {
  readonly mode: 'full' | 'quick';
  /** The code measured: HEAD, and whether libs/goka had uncommitted changes. */
  readonly revision: { readonly commit: string; readonly gokaUncommitted: boolean } | null;
  readonly startedAt: string;
  readonly wallSeconds: number;
  readonly scenarios: Row[];
  /** With --peers: this project's figures next to Goka's (bench/peers/goka); null without. */
  readonly peers: PeersReport | null;
  readonly machine: Machine;
}
