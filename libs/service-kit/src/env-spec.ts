import { type ConfigOf, env } from './config.ts';
import { MIN_SECRET_LENGTH } from './token.ts';

/** Variables every service reads; a service adds its own with `config`. */
export function baseEnvSpec(defaultPort: number) {
  return {
    PORT: env.port({ default: defaultPort, doc: 'HTTP port' }),
    HOST: env.string({ default: '127.0.0.1', doc: 'interface to listen on (0.0.0.0 in containers)' }),
    AUTH_SECRET: env.optionalString({
      minBytes: MIN_SECRET_LENGTH,
      doc: `HS256 secret for bearer tokens, at least ${MIN_SECRET_LENGTH} bytes; required unless NODE_ENV=development`,
    }),
    TOKEN_MAX_TTL_S: env.int({
      default: 7 * 24 * 3600,
      min: 60,
      doc: 'longest token lifetime (exp - iat) accepted, seconds; tokens without exp are refused',
    }),
    NODE_ENV: env.oneOf(['production', 'development', 'test'], { default: 'production', doc: 'run mode' }),
    LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      default: 'info',
      doc: 'pino log level',
    }),
    LOG_FORMAT: env.oneOf(['auto', 'json', 'pretty'], {
      default: 'auto',
      doc: 'auto: human-readable on a terminal, JSON lines otherwise',
    }),
    BODY_LIMIT: env.int({
      default: 16 * 1024,
      min: 1024,
      max: 10 * 1024 * 1024,
      doc: 'max request body, bytes',
    }),
    RATE_LIMIT_MAX: env.int({
      default: 1200,
      min: 0,
      doc: 'requests per RATE_LIMIT_WINDOW_MS per user (per IP without a valid token); 0 = off',
    }),
    RATE_LIMIT_WINDOW_MS: env.int({ default: 60_000, min: 100, doc: 'rate limit window' }),
    RATE_LIMIT_LOOPBACK: env.bool({
      default: false,
      doc: 'limit clients on 127.0.0.1/::1 too (off: local simulators, benches and tests run there)',
    }),
    WS_MAX_PER_USER: env.int({ default: 16, min: 1, doc: 'open WebSocket connections per user' }),
    WS_MAX_PAYLOAD: env.int({
      default: 4096,
      min: 128,
      doc: 'largest WebSocket frame a client may send, bytes',
    }),
    SHUTDOWN_TIMEOUT_MS: env.int({ default: 30_000, min: 1000, doc: 'graceful shutdown deadline' }),
    ADVERTISED_URL: env.optionalString({
      doc: 'where other instances forward routed reads to this one (http://host:port), published in the group assignment; default http://127.0.0.1:<the port it listens on>',
    }),
    ROUTED_READ_TIMEOUT_MS: env.int({
      default: 2000,
      min: 50,
      max: 60_000,
      doc: "longest wait for the owner's answer to a forwarded read before 503 + Retry-After",
    }),
  };
}
export type BaseConfig = ConfigOf<ReturnType<typeof baseEnvSpec>> & { readonly AUTH_SECRET: string };
