import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

const EXIT = resolve(import.meta.dirname, '..', 'src', 'exit.ts');
const BYTES = 400_000;

/**
 * Reads the child's stdout late, as a busy parent does: not before the child has exited, or
 * 1.5 s have passed (a child that waits for its output to drain never exits on its own).
 */
function runSlowlyRead(script: string): Promise<{ code: number | null; bytes: number }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let bytes = 0;
    child.stdout.pause();
    const read = () => {
      clearTimeout(timer);
      if (child.stdout.listenerCount('data') > 0) return;
      child.stdout.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      child.stdout.resume();
    };
    const timer = setTimeout(read, 1_500);
    child.once('exit', read);
    child.once('error', fail);
    child.once('close', (code) => done({ code, bytes }));
  });
}

it('exits with the code only after a large write to a slowly read pipe is out', async () => {
  const script = `import { exitWhenWritten } from ${JSON.stringify(EXIT)};
process.stdout.write('x'.repeat(${BYTES}));
exitWhenWritten(3);`;
  const { code, bytes } = await runSlowlyRead(script);
  expect(code).toBe(3);
  expect(bytes).toBe(BYTES);
});

it('a plain process.exit after the same write loses the tail (what the helper is for)', async () => {
  const { code, bytes } = await runSlowlyRead(`process.stdout.write('x'.repeat(${BYTES})); process.exit(3);`);
  expect(code).toBe(3);
  expect(bytes).toBeLessThan(BYTES);
});
