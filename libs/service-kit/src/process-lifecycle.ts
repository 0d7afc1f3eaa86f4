import type { EnvSpec } from './config.ts';
import type { Service } from './service.ts';

/**
 * A service as a process (main.ts): start, stop gracefully on SIGTERM/SIGINT and exit 0; exit 1
 * when a component fails, when starting fails, or when stopping takes longer than
 * SHUTDOWN_TIMEOUT_MS. Prints one "<service> ready at …  (docs: …/docs)" line.
 */
export async function runAsProcess(service: Service<EnvSpec>): Promise<void> {
  let exiting = false;
  const exit = (code: number, why: string) => {
    if (exiting) return;
    exiting = true;
    service.logger.info({ why }, `${service.name} shutting down`);
    const timer = setTimeout(() => {
      service.logger.error(
        `${service.name}: shutdown took longer than ${service.config.SHUTDOWN_TIMEOUT_MS} ms`,
      );
      process.exit(1);
    }, service.config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    service.stop().then(
      () => process.exit(code),
      () => process.exit(1),
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      // A process tree often delivers one stop twice (the terminal's SIGINT to the whole group
      // plus the parent's SIGTERM, or tsx relaying it): the graceful stop goes on, bounded by
      // SHUTDOWN_TIMEOUT_MS.
      if (exiting) {
        service.logger.info(`${signal} while stopping: still stopping gracefully`);
        return;
      }
      exit(0, signal);
    });
  }
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
