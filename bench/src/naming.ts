import type { TaskContext } from './scenario.ts';

/** Topic and group names unique to this run, scenario, repetition and side. */
export function uniqueName(ctx: TaskContext, ...parts: (string | number)[]): string {
  return ['bench', ctx.runId, ...parts].join('-').replace(/[^a-zA-Z0-9._-]/g, '_');
}

export function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}
