/**
 * One child process of the benchmark: creates one fixture, or runs one repetition of one
 * variant of one scenario, and replies with JSON on the IPC channel (see processes.ts).
 * Progress goes to stderr.
 */
import { serveTask } from './processes.ts';
import type { Measurements, TaskContext } from './scenario.ts';
import { loadScenario } from './scenarios/index.ts';

export type ChildTask =
  | {
      kind: 'fixture';
      ctx: TaskContext;
      scenario: string;
      fixture: string;
      fixtures: Record<string, unknown>;
    }
  | {
      kind: 'variant';
      ctx: TaskContext;
      scenario: string;
      variant: string;
      rep: number;
      fixtures: Record<string, unknown>;
    };

export interface VariantReply {
  /** One repetition's, or every repetition's when the variant runs them in one process. */
  measurements: Measurements | Measurements[];
  /** Peak resident set size of this process, MiB. */
  peakRssMiB: number;
}

const task = JSON.parse(process.argv[2] ?? '{}') as ChildTask;
const prefix =
  task.kind === 'fixture'
    ? `[${task.scenario}: fixture ${task.fixture}]`
    : `[${task.scenario} ${task.variant} #${task.rep}]`;
const log = (line: string) => process.stderr.write(`${prefix} ${line}\n`);

serveTask(async () => {
  const scenario = await loadScenario(task.scenario);
  if (task.kind === 'fixture') {
    const fixture = scenario.fixtures.find((f) => f.name === task.fixture);
    if (!fixture) throw new Error(`no fixture ${task.fixture} in ${task.scenario}`);
    return fixture.create(task.ctx, log, task.fixtures);
  }
  const variant = scenario.variants.find((v) => v.name === task.variant);
  if (!variant) throw new Error(`no variant ${task.variant} in ${task.scenario}`);
  const measurements = await variant.run(task.ctx, task.fixtures, task.rep, log);
  // maxRSS is in KiB on Linux.
  return { measurements, peakRssMiB: process.resourceUsage().maxRSS / 1024 } satisfies VariantReply;
});
