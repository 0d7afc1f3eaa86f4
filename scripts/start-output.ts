import { prettyFactory } from 'pino-pretty';

/**
 * What `npm start` prints: one line per event, whoever logged it. The services always log JSON
 * lines (LOG_FORMAT=json) into `npm start`'s pipes, and this decides how they reach the screen:
 * - pretty (a terminal, or LOG_FORMAT=pretty): `[anti-spam#2] 12:00:01.123 INFO: ready {…}` —
 *   one line per event, prefixed with the instance, an error's stack shortened to its first frame;
 * - json (not a terminal, or LOG_FORMAT=json): the service's JSON line with `instance` added, so
 *   the output stays valid JSON lines for a log shipper; `npm start`'s own lines are JSON too.
 */
export type OutputMode = 'pretty' | 'json';

export function outputMode(env: NodeJS.ProcessEnv, isTTY: boolean): OutputMode {
  if (env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty') return env.LOG_FORMAT;
  return isTTY ? 'pretty' : 'json';
}

export interface LineFormatter {
  /** A line a service process printed (stdout or stderr). */
  service(instance: string, line: string): string;
  /** A line of `npm start` itself. */
  own(line: string): string;
}

const OWN = 'npm start';

function parseObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const firstFrame = (stack: string) =>
  stack
    .split('\n')
    .find((l) => l.trim().startsWith('at '))
    ?.trim();

/** An error object as one phrase: `Error: boom (at f (file:1:2))`. */
function shortError(err: unknown): unknown {
  if (typeof err !== 'object' || err === null) return err;
  const e = err as { type?: unknown; message?: unknown; stack?: unknown };
  const frame = typeof e.stack === 'string' ? firstFrame(e.stack) : undefined;
  return `${String(e.type ?? 'Error')}: ${String(e.message ?? '')}${frame ? ` (${frame})` : ''}`;
}

const oneLine = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ⏎ ');

export function lineFormatter(mode: OutputMode, options: { colorize: boolean }): LineFormatter {
  if (mode === 'json') {
    return {
      service(instance, line) {
        const event = parseObject(line);
        // Lines that are not pino's (a crash's stack printed by Node) become events too.
        return JSON.stringify(
          event ? { instance, ...event } : { level: 30, time: Date.now(), instance, msg: line },
        );
      },
      own: (line) => JSON.stringify({ level: 30, time: Date.now(), name: OWN, msg: line }),
    };
  }
  const pretty = prettyFactory({
    colorize: options.colorize,
    singleLine: true,
    translateTime: 'HH:MM:ss.l',
    ignore: 'pid,hostname,name',
  });
  return {
    service(instance, line) {
      const event = parseObject(line);
      if (!event) return `[${instance}] ${oneLine(line)}`;
      const shown: Record<string, unknown> = { ...event };
      if ('err' in shown) shown.err = shortError(shown.err);
      // kafkajs' log lines carry their stack as a field of its own.
      if (typeof shown.stack === 'string') shown.stack = firstFrame(shown.stack);
      return `[${instance}] ${oneLine(pretty(shown))}`;
    },
    own: (line) => `[${OWN}] ${line}`,
  };
}
