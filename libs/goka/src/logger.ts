import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * The library logs through pino. Services pass their own logger; otherwise one is made at
 * `LOG_LEVEL` (default `warn`: a library should not chatter unless asked).
 */
export function defaultLogger(name: string): Logger {
  return pino({ name, level: process.env.LOG_LEVEL ?? 'warn' });
}
