/**
 * What a scenario is. The parent process (main.ts) only reads this metadata; every fixture and
 * every variant's repetition runs in a fresh child process (child.ts), so a figure like peak RSS
 * belongs to exactly one repetition of one variant.
 */
import type { Mode, Sizes } from './sizes.ts';

/** Everything a child gets from the parent: JSON-serialisable. */
export interface TaskContext {
  readonly brokers: string[];
  /** Unique per `npm run bench` run: prefixes every topic and group name. */
  readonly runId: string;
  readonly mode: Mode;
  readonly sizes: Sizes;
  /** Scratch directory of this run (stores, LevelDB files); removed at the end. */
  readonly workDir: string;
}

/** Named numbers one repetition of one variant measured, e.g. `{ rate: 123456 }`. */
export type Measurements = Record<string, number>;

export interface Fixture {
  readonly name: string;
  /**
   * Creates topics/data shared by the repetitions; returns a JSON description of it. A fixture
   * with the same name in two scenarios is created once per run. `fixtures` holds the ones
   * listed before it.
   */
  create(ctx: TaskContext, log: (line: string) => void, fixtures: Record<string, unknown>): Promise<unknown>;
}

export interface Variant {
  readonly name: string;
  /** Why this variant cannot run now (e.g. the library's Kafka cluster is not there yet). */
  unavailable?(): Promise<string | undefined>;
  /**
   * Every repetition in one child process: `run` is called once (rep 0) and returns one
   * Measurements per repetition, in order. For a variant whose set-up costs more than a
   * repetition (the platform scenario starts five services), and whose figures are about steady
   * state, not start-up.
   */
  readonly repetitionsInOneProcess?: boolean;
  run(
    ctx: TaskContext,
    fixtures: Record<string, unknown>,
    rep: number,
    log: (line: string) => void,
  ): Promise<Measurements | Measurements[]>;
}

export type Baseline =
  | { readonly variant: string; readonly measure: string }
  | { readonly scenario: string; readonly figure: string };

export interface FigureSpec {
  readonly figure: string;
  readonly unit: string;
  readonly variant: string;
  readonly measure: string;
  readonly baseline?: Baseline;
}

export interface Scenario {
  readonly name: string;
  readonly number: number;
  readonly title: string;
  readonly fixtures: readonly Fixture[];
  readonly variants: readonly Variant[];
  readonly figures: readonly FigureSpec[];
  /** Why the whole scenario is skipped (e.g. the service it measures does not exist). */
  unavailable?(): Promise<string | undefined>;
  parameters(sizes: Sizes): Record<string, unknown>;
  /** Upper bound for one child (fixture or repetition) before it is killed. */
  timeoutMs(sizes: Sizes): number;
}
