import { type Logger, pino } from 'pino';

/** The parts of pino's default destination (sonic-boom) that tell whether lines are pending. */
interface LogStream {
  flushSync?: () => void;
  _writing?: boolean;
  _len?: number;
  on?(event: 'error', listener: () => void): unknown;
  off?(event: 'error', listener: () => void): unknown;
}

const noop = () => undefined;

/**
 * `process.exit(code)` that cannot hang on the log stream. pino's default destination writes
 * asynchronously and, on `exit`, writes what is still buffered with `flushSync()` — which
 * retries a failing write every 100 ms for ever (sonic-boom 4 sleeps on any error, not only
 * EAGAIN). With its supervisor gone, a service's stdout is a broken pipe: the last lines of a
 * stop ("stopped") were still buffered, the exit handler looped on EPIPE, and the process lived
 * on with its port closed and its main thread asleep, deaf to every signal (issue 28's
 * segmentation). So exit once nothing is buffered any more; on a write error or after
 * `graceMs`, disarm the synchronous flush first: losing the last lines beats never exiting.
 */
export function exitAfterFlush(
  logger: Logger,
  code: number,
  exit: (code: number) => void = (c) => process.exit(c),
  graceMs = 2000,
): void {
  const stream = (logger as unknown as Record<symbol, LogStream | undefined>)[pino.symbols.streamSym];
  // Streams without these fields (pino-pretty's, sync ones) keep nothing for the exit flush.
  const idle = () => stream?._writing !== true && !((stream?._len ?? 0) > 0);
  let done = false;
  const finish = (disarm: boolean) => {
    if (done) return;
    done = true;
    clearInterval(poll);
    clearTimeout(guard);
    stream?.off?.('error', broken);
    if (disarm && stream) stream.flushSync = noop;
    exit(code);
  };
  const broken = () => finish(true);
  stream?.on?.('error', broken);
  const poll = setInterval(() => {
    if (idle()) finish(false);
  }, 5);
  const guard = setTimeout(() => finish(true), graceMs);
  if (idle()) finish(false);
}
