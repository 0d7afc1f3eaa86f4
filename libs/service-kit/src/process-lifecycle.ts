import type { EnvSpec } from './config.ts';
import { exitAfterFlush } from './exit-after-flush.ts';
import { watchParent } from './parent-watch.ts';
import type { Service } from './service.ts';
import { armStopDeadline } from './stop-deadline.ts';

/** The signals that ask a service to stop; all three mean the same (systemd, a terminal, a hang-up). */
const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * A service as a process (main.ts): start, stop gracefully on SIGTERM/SIGINT/SIGHUP or when its
 * supervisor is gone (parent-watch.ts), and exit 0; exit 1 when a component fails, when
 * starting fails, or when stopping takes longer than SHUTDOWN_TIMEOUT_MS — then it logs what
 * the stop still waited for (stop-deadline.ts). Prints one "<service> ready at …  (docs: …/docs)"
 * line.
 */
export async function runAsProcess(service: Service<EnvSpec>): Promise<void> {
  let exiting = false;
  const exit = (code: number, why: string) => {
    if (exiting) return;
    exiting = true;
    const started = Date.now();
    service.logger.info({ why }, `${service.name} shutting down`);
    // Every exit goes through exitAfterFlush: a plain process.exit can hang for ever on a
    // broken stdout (the supervisor gone), see exit-after-flush.ts.
    const leave = (c: number) => exitAfterFlush(service.logger, c);
    armStopDeadline(service, service.config.SHUTDOWN_TIMEOUT_MS, leave);
    service.stop().then(
      () => {
        service.logger.info({ ms: Date.now() - started, code }, `${service.name} exits`);
        leave(code);
      },
      () => leave(1),
    );
  };
  for (const signal of STOP_SIGNALS) {
    process.on(signal, () => {
      // A process tree often delivers one stop twice (the signal to the whole group plus a
      // wrapper relaying it, npm or tsx): the graceful stop goes on, bounded by
      // SHUTDOWN_TIMEOUT_MS.
      if (exiting) {
        service.logger.info(`${signal} while stopping: still stopping gracefully`);
        return;
      }
      exit(0, signal);
    });
  }
  // Its supervisor gone (SIGKILLed, crashed), nothing would signal this process again.
  watchParent(() => exit(0, 'supervisor gone (stdin closed)'));
  service.onFailure((c, error) => exit(1, `${c.kind} ${c.name} failed: ${error.message}`));
  service.logger.info(`${service.name} starting`);
  try {
    await service.start();
  } catch (error) {
    service.logger.fatal({ err: error }, `${service.name} failed to start`);
    exit(1, 'start failed');
    return;
  }
  service.whenReady(Number.POSITIVE_INFINITY).then(
    () =>
      service.logger.info(
        { address: service.address },
        `${service.name} ready at ${service.address}  (docs: ${service.address}/docs)`,
      ),
    () => undefined, // failures are reported by the failure handler
  );
}
