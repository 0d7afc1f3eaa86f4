/** Sizes of every scenario, full and quick. Full follows issue 6; quick only proves the plumbing. */

import type { Mode } from './mode.ts';
import { PLATFORM_SIZES, type PlatformSizes } from './platform/sizes.ts';

export type { Mode };

/** 6 end-to-end: offered rates, the same in both modes (only the duration differs). */
export const E2E_RATES = [1_000, 10_000] as const;

export interface Sizes {
  readonly repetitions: number;
  readonly partitions: number;
  readonly keys: number;
  /** 1 produce: records per side and repetition. */
  readonly produceRecords: number;
  /** Emitter: emits outstanding at once (the library batches what queues meanwhile). */
  readonly emitWindow: number;
  /** 2 consume: records in the input topic, read whole by each side and repetition. */
  readonly consumeRecords: number;
  /** 3 stateful: records in its input topic. */
  readonly statefulRecords: number;
  /** 3 stateful, latency phase: offered rate and duration. */
  readonly statefulLatencyRate: number;
  readonly statefulLatencyMs: number;
  /** 4 recovery and 5 view reads: distinct keys in the changelog. */
  readonly tableKeys: number;
  /** 5 view reads: random gets per repetition, and entries read by the range iteration. */
  readonly viewGets: number;
  readonly viewRange: number;
  /** 6 end-to-end: how long each rate of E2E_RATES is offered. */
  readonly e2eMs: number;
  /** 7 http: autocannon duration and connections. */
  readonly httpMs: number;
  readonly httpConnections: number;
  /** 12 platform. */
  readonly platform: PlatformSizes;
}

export const SIZES: Record<Mode, Sizes> = {
  full: {
    repetitions: 3,
    partitions: 6,
    keys: 10_000,
    produceRecords: 500_000,
    emitWindow: 10_000,
    consumeRecords: 500_000,
    statefulRecords: 200_000,
    statefulLatencyRate: 1_000,
    statefulLatencyMs: 5_000,
    tableKeys: 1_000_000,
    viewGets: 100_000,
    viewRange: 1_000_000,
    e2eMs: 10_000,
    httpMs: 10_000,
    httpConnections: 10,
    platform: PLATFORM_SIZES.full,
  },
  quick: {
    // One: the quick form proves the plumbing (every scenario, variant and child process runs);
    // its figures are not read as results. Full runs keep three, in alternating orders.
    repetitions: 1,
    partitions: 6,
    keys: 10_000,
    produceRecords: 20_000,
    emitWindow: 10_000,
    consumeRecords: 20_000,
    statefulRecords: 10_000,
    statefulLatencyRate: 1_000,
    statefulLatencyMs: 500,
    tableKeys: 20_000,
    viewGets: 5_000,
    viewRange: 20_000,
    e2eMs: 500,
    httpMs: 1_000,
    httpConnections: 10,
    platform: PLATFORM_SIZES.quick,
  },
};
