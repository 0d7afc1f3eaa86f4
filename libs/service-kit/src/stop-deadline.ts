import type { EnvSpec } from './config.ts';
import type { Service } from './service.ts';

/** States in which a component has nothing left to do on a stop. */
const SETTLED = new Set(['idle', 'stopped', 'failed']);

/** What a service's stop still waits for, as the deadline report logs it. */
export interface PendingStop {
  /** The service's own state (`stopping` until every stage finished). */
  readonly service: string;
  /** Components in `stopping`: the stage that holds the stop (group or table names). */
  readonly waitingFor: readonly string[];
  /** Components whose stage has not begun (views stop after processors and emitters). */
  readonly notYetStopped: readonly string[];
  /** Open handles and requests of the process (sockets to the broker, timers, file work). */
  readonly resources: Readonly<Record<string, number>>;
}

export function pendingStop(service: Service<EnvSpec>): PendingStop {
  const open = service.componentStates().filter((c) => !SETTLED.has(c.state));
  const label = (c: { kind: string; name: string; state: string }) => `${c.kind} ${c.name} (${c.state})`;
  const resources: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) resources[kind] = (resources[kind] ?? 0) + 1;
  return {
    service: service.state,
    waitingFor: open.filter((c) => c.state === 'stopping').map(label),
    notYetStopped: open.filter((c) => c.state !== 'stopping').map(label),
    resources,
  };
}

/** One line naming what held the stop: components first, else the last stages (HTTP, hooks). */
export function describePending(pending: PendingStop): string {
  if (pending.waitingFor.length > 0) return pending.waitingFor.join(', ');
  if (pending.notYetStopped.length > 0) return pending.notYetStopped.join(', ');
  if (pending.service === 'stopped') return 'exit';
  return 'HTTP close, emitters or stop hooks (cluster close)';
}

/**
 * Bounds a service's stop: after `ms` it logs what the stop still waits for and exits 1. The
 * timer keeps the process alive on purpose: a stop whose promise never settles must still end
 * in an exit, not in a silently drained event loop.
 */
export function armStopDeadline(
  service: Service<EnvSpec>,
  ms: number,
  exit: (code: number) => void = (code) => process.exit(code),
): NodeJS.Timeout {
  return setTimeout(() => {
    const pending = pendingStop(service);
    service.logger.error(
      { pending },
      `${service.name}: stop did not finish within ${ms} ms, still waiting for ${describePending(pending)}; exiting 1`,
    );
    exit(1);
  }, ms);
}
