import { describe, expect, it } from 'vitest';
import { freePort, startService } from '../src/index.ts';

// Needs no broker: these cases fail before the service would connect to Kafka.
describe('e2e harness', () => {
  it('fails fast with the service output when the process exits before it is ready', async () => {
    const error = await startService('anti-spam', {
      env: { AUTH_SECRET: '', KAFKA_BROKERS: '127.0.0.1:1', NODE_ENV: 'production' },
      readyTimeoutMs: 30_000,
    }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/exited with code 1 before it was ready/);
    expect((error as Error).message).toMatch(/AUTH_SECRET is required/);
    // A process start (tsx compiling the service) takes longer than vitest's 5 s on a busy machine.
  }, 60_000);

  it('names a missing service', async () => {
    await expect(startService('no-such-service')).rejects.toThrow(/no service "no-such-service"/);
  });

  it('finds free ports', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
  });
});
