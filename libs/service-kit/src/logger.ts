import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'json' | 'pretty';

/**
 * Human-readable lines when stdout is a terminal, JSON lines otherwise (files, log shippers,
 * `npm start`'s pipes unless it asks for pretty). LOG_FORMAT=json|pretty overrides the guess.
 */
export function logFormat(env: NodeJS.ProcessEnv = process.env): LogFormat {
  if (env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty') return env.LOG_FORMAT;
  return process.stdout.isTTY ? 'pretty' : 'json';
}

/** The pino logger services use (authorization headers and URL tokens redacted). */
export function createLogger(
  name: string,
  level: string = process.env.LOG_LEVEL ?? 'info',
  format: LogFormat = logFormat(),
): Logger {
  const options = { name, level, redact: ['req.headers.authorization', 'headers.authorization'] };
  if (format === 'json') return pino(options);
  // In-process (sync) stream, not a worker transport: lines appear in order with the exit.
  const stream: DestinationStream = pretty({
    colorize: process.stdout.isTTY === true || process.env.FORCE_COLOR !== undefined,
    sync: true,
    translateTime: 'HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
  return pino(options, stream);
}
