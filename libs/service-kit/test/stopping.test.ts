import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { memoryCluster } from '@showcase/goka';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createService, type Service } from '../src/index.ts';
import { watchParent } from '../src/parent-watch.ts';
import { armStopDeadline, pendingStop } from '../src/stop-deadline.ts';

const env = { AUTH_SECRET: 'test-secret-0123456789-abcdefghijk', LOG_LEVEL: 'silent', PORT: '0' };
const services: Service[] = [];
const timers: NodeJS.Timeout[] = [];
let child: ChildProcess | undefined;
afterEach(() => {
  // Also when the test timed out: the fixture must not outlive it.
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  for (const t of timers.splice(0)) clearTimeout(t);
  services.splice(0); // their stops hang on purpose; nothing else holds resources (memory cluster)
});

describe('a service process stops, whatever holds it', () => {
  it('exits although its stdout reader is gone and log lines are still buffered', async () => {
    const fixture = resolve(import.meta.dirname, 'fixtures', 'exit-on-broken-stdout.ts');
    child = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['pipe', 'pipe', 'ignore'] });
    const exited = once(child, 'exit');
    await once(child.stdout!, 'data'); // "ready"
    child.stdout!.destroy(); // the reader goes: every later write is EPIPE
    child.stdin!.end(); // tells the fixture to log and exit
    const [code] = await exited;
    expect(code).toBe(0);
  }, 30_000);

  it('at its deadline, names the component it still waits for and exits 1', async () => {
    const service = await createService({ name: 'kit-stop', port: 0, cluster: memoryCluster(), env });
    services.push(service as Service);
    service.onStop(() => new Promise<void>(() => undefined)); // a stop hook that never ends
    const logged = vi.spyOn(service.logger, 'error');
    await service.start();
    void service.stop();
    const exit = vi.fn<(code: number) => void>();
    timers.push(armStopDeadline(service as Service, 50, exit));
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1), { timeout: 5000 });
    expect(pendingStop(service as Service).service).toBe('stopping');
    expect(String(logged.mock.calls[0]?.[1])).toMatch(
      /kit-stop: stop did not finish within 50 ms, still waiting for HTTP close, emitters or stop hooks/,
    );
  });

  it('watches its parent only when the supervisor asks, and calls back once on end-of-file', () => {
    const pipe = new PassThrough() as unknown as NodeJS.ReadStream;
    const gone = vi.fn();
    expect(watchParent(gone, {}, pipe)).toBe(false);
    expect(watchParent(gone, { STOP_WHEN_STDIN_CLOSES: '1' }, pipe)).toBe(true);
    (pipe as unknown as PassThrough).end();
    return vi.waitFor(() => expect(gone).toHaveBeenCalledTimes(1));
  });
});
