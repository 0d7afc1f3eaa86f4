/**
 * A progress bar for the traffic phase: redrawn in place on a terminal, one line every few
 * seconds otherwise (CI logs, the integration test's captured output).
 */
export interface Progress {
  stop(): void;
}

export function progressBar(
  fraction: () => number,
  status: () => string,
  write: (line: string) => void = (line) => console.log(line),
): Progress {
  const tty = process.stdout.isTTY === true;
  const width = 30;
  const draw = () => {
    const f = Math.max(0, Math.min(1, fraction()));
    const filled = Math.round(f * width);
    const line = `[platform] [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)}%  ${status()}`;
    if (tty) process.stdout.write(`\r${line}\u001b[K`);
    else write(line);
  };
  const timer = setInterval(draw, tty ? 250 : 5_000);
  return {
    stop() {
      clearInterval(timer);
      draw();
      if (tty) process.stdout.write('\n');
    },
  };
}
