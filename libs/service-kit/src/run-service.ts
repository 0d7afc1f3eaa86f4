import { buildService } from './build-service.ts';
import { ConfigError, type EnvSpec } from './config.ts';
import { DataDirCheck } from './data-dir-check.ts';
import type { ServiceDefinition } from './define-service.ts';
import { runAsProcess } from './process-lifecycle.ts';
import type { Service } from './service.ts';
import { resolveServiceConfig } from './service-config.ts';
import { streamEnvSpec, streamHost } from './stream-host.ts';

/**
 * A service as a process (main.ts: `runService(definition)`): the configuration is loaded once
 * from process.env, a service with groups, views or emitters gets its cluster and table storage
 * (KAFKA_BROKERS, DATA_DIR: `streamHost`), then it runs: SIGTERM stops it gracefully (exit 0).
 * A configuration error prints one line and exits 1.
 */
export function runService<S extends EnvSpec, V, E, P extends string, X, R>(
  definition: ServiceDefinition<S, V, E, P, X, R>,
): void {
  const main = async () => {
    const resolved = resolveServiceConfig({
      name: definition.name,
      port: definition.port,
      spec: definition.env,
    });
    const streams = Boolean(definition.groups || definition.views || definition.emitters);
    const host = streams
      ? streamHost(definition.name, streamConfig(definition, resolved.config), resolved.logger)
      : undefined;
    const { service } = await buildService(definition, { ...host, logger: resolved.logger }, resolved);
    if (host) service.onStop(() => host.cluster.close());
    const stream = host ? streamConfig(definition, resolved.config) : undefined;
    // Tables in LevelDB under DATA_DIR (on Kafka): a full or unwritable data dir makes the
    // service not ready, with the reason (data-dir-check.ts). In memory (development): nothing.
    if (stream?.KAFKA_BROKERS) {
      const dataDir = new DataDirCheck(stream.DATA_DIR, resolved.logger.child({ component: 'data-dir' }));
      service.addReadinessCheck(dataDir);
      service.onStart(() => dataDir.start());
      service.onStop(() => dataDir.stop());
    }
    await runAsProcess(service as unknown as Service<EnvSpec>);
  };
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) console.error(`${definition.name}: ${error.message}`);
    else console.error(`${definition.name} failed to start:`, error);
    process.exit(1);
  });
}

/** The stream variables of a loaded config; a stream service must spread `streamEnvSpec` in. */
function streamConfig(definition: { readonly name: string; readonly env: EnvSpec }, config: object) {
  for (const name of Object.keys(streamEnvSpec(definition.name))) {
    if (!(name in definition.env)) {
      throw new Error(
        `service ${definition.name}: its env spec must include streamEnvSpec (missing ${name})`,
      );
    }
  }
  return config as Parameters<typeof streamHost>[1];
}
