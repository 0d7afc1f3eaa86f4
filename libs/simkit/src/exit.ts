/**
 * `process.exit(code)` once everything this process wrote to stdout and stderr has left it.
 *
 * On POSIX, Node writes to a pipe asynchronously: `process.exit` right after a large write cuts
 * the output at what the pipe buffer took (64 KiB on Linux) whenever the reader is slower than
 * the writer. A CI run lost the end of the benchmark's JSON report that way (the vitest parent
 * was busy). Writes complete in order, so an empty write's callback on each stream means all
 * earlier ones are out; it also fires with an error on a broken pipe, which ends the wait too.
 * `graceMs` bounds the wait for a reader that stopped reading but never closed its end.
 */
export function exitWhenWritten(code: number, graceMs = 30_000): void {
  process.exitCode = code;
  const streams = [process.stdout, process.stderr];
  let pending = streams.length;
  const exit = () => process.exit(code);
  setTimeout(exit, graceMs).unref();
  for (const stream of streams) {
    stream.write('', () => {
      pending -= 1;
      if (pending === 0) exit();
    });
  }
}
