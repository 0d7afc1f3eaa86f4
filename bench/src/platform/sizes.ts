/** Sizes of the platform scenario (12), full and quick. Quick only proves the plumbing in CI. */
import type { Mode } from '../mode.ts';

export interface PlatformSizes {
  /** Distinct users the load picks actors and targets from. */
  readonly users: number;
  /** Closed loop (max accepted rate): duration and keep-alive connections. */
  readonly closedMs: number;
  readonly connections: number;
  /** Open loop: duration of each offered rate, and the client's socket pool. */
  readonly openMs: number;
  readonly openConnections: number;
  /** Offered rates as fractions of the repetition's max accepted rate. */
  readonly openShares: readonly number[];
  /**
   * Direct form: records written straight to the route's input topic — three times what the
   * closed loop accepted, at least `directMinRecords`, at most `directRecords`.
   */
  readonly directRecords: number;
  readonly directMinRecords: number;
  /** Unmeasured load per route before the first repetition (JIT, connections, tables). */
  readonly warmupMs: number;
  /** A group is idle when its count has not moved for this long (and it is caught up). */
  readonly holdMs: number;
  readonly pollMs: number;
  readonly drainTimeoutMs: number;
  /** The baseline: records the core's count processor reads per repetition. */
  readonly countRecords: number;
  /**
   * Repetitions of the scenario when fewer than the run's: quick mode runs one, since its
   * figures mean nothing (it proves the plumbing) and each repetition drives three routes.
   */
  readonly repetitions?: number;
}

export const OPEN_SHARES = [0.25, 0.5, 1] as const;

export const PLATFORM_SIZES: Record<Mode, PlatformSizes> = {
  full: {
    users: 2_000,
    closedMs: 10_000,
    connections: 128,
    openMs: 5_000,
    openConnections: 512,
    openShares: OPEN_SHARES,
    directRecords: 20_000,
    directMinRecords: 2_000,
    warmupMs: 3_000,
    holdMs: 2_000,
    pollMs: 100,
    drainTimeoutMs: 300_000,
    countRecords: 200_000,
  },
  quick: {
    users: 200,
    closedMs: 1_000,
    connections: 32,
    openMs: 500,
    openConnections: 64,
    openShares: OPEN_SHARES,
    directRecords: 1_000,
    directMinRecords: 1_000,
    warmupMs: 500,
    holdMs: 400,
    pollMs: 100,
    drainTimeoutMs: 60_000,
    countRecords: 5_000,
    repetitions: 1,
  },
};
