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

/** Errors kafkajs logs at error level that are expected while a broker or topic is young. */
const TRANSIENT =
  /does not host this topic-partition|not the leader|leader not available|there is no leader|coordinator (is )?(not available|loading)|unknown topic or partition|group coordinator|rebalanc|restarting the consumer/i;

/**
 * The logger to hand to `kafkaCluster({ logger })`: kafkajs at `warn` (or quieter, if the
 * service's level is), and its error lines about states that are expected on a fresh broker
 * (topic metadata not propagated yet, coordinator loading, rebalancing) at warn instead of
 * error: an operator should not read "Crash" at error level when nothing is wrong.
 */
export function kafkaLogger(logger: Logger): Logger {
  const level = logger.levelVal > pino.levels.values.warn! ? logger.level : 'warn';
  const stream = (logger as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym];
  return pino(
    {
      name: (logger.bindings().name as string | undefined) ?? 'kafka',
      level,
      hooks: {
        logMethod(args, method, levelValue) {
          const text = args.map((a) => (typeof a === 'string' ? a : '')).join(' ');
          if (
            levelValue >= pino.levels.values.error! &&
            levelValue < pino.levels.values.fatal! &&
            TRANSIENT.test(text)
          ) {
            return (this as Logger).warn(...(args as [object, string]));
          }
          return method.apply(this, args);
        },
      },
    },
    stream ?? process.stdout,
  );
}
