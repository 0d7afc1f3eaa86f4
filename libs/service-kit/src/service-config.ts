import type { Logger } from 'pino';
import { ConfigError, type ConfigOf, type EnvSpec, loadConfig } from './config.ts';
import { type BaseConfig, baseEnvSpec } from './env-spec.ts';
import { createLogger, type LogFormat, logFormat } from './logger.ts';
import { DEV_AUTH_SECRET, MIN_SECRET_LENGTH } from './token.ts';

/** A service's configuration, loaded and checked once, and the logger it configures. */
export interface ResolvedConfig<S extends EnvSpec> {
  readonly config: BaseConfig & ConfigOf<S>;
  readonly logger: Logger;
}

/**
 * Loads the shared variables and the service's own (`spec`) from `source` in one pass (throws
 * ConfigError naming every bad variable), settles AUTH_SECRET (the dev secret only with
 * NODE_ENV=development) and makes the logger LOG_LEVEL/LOG_FORMAT ask for. Called once per
 * process: `runService` hands the result to the service, which does not read the env again.
 */
export function resolveServiceConfig<S extends EnvSpec>(
  service: { readonly name: string; readonly port: number; readonly spec?: S; readonly logger?: Logger },
  source: NodeJS.ProcessEnv = process.env,
): ResolvedConfig<S> {
  const spec = { ...baseEnvSpec(service.port), ...(service.spec ?? ({} as S)) };
  const loaded = loadConfig(spec, source) as ConfigOf<ReturnType<typeof baseEnvSpec>> & ConfigOf<S>;
  let secret = loaded.AUTH_SECRET;
  const format: LogFormat = loaded.LOG_FORMAT === 'auto' ? logFormat({}) : loaded.LOG_FORMAT;
  const logger = service.logger ?? createLogger(service.name, loaded.LOG_LEVEL, format);
  if (!secret) {
    if (loaded.NODE_ENV !== 'development') {
      throw new ConfigError([
        `AUTH_SECRET is required — set a shared secret of at least ${MIN_SECRET_LENGTH} bytes (e.g. export AUTH_SECRET=$(openssl rand -base64 32)), or NODE_ENV=development to use the built-in dev secret`,
      ]);
    }
    secret = DEV_AUTH_SECRET;
    logger.warn('AUTH_SECRET is not set: using the insecure development secret (NODE_ENV=development)');
  }
  const config = Object.freeze({ ...loaded, AUTH_SECRET: secret }) as BaseConfig & ConfigOf<S>;
  return { config, logger };
}
