import { describe, expect, it } from 'vitest';
import { retryTransient } from '../src/cluster/transient-error.ts';

/** kafkajs' answer while a group's coordinator moves (a broker restart): retriable, typed. */
function notCoordinator(): Error {
  return Object.assign(new Error('This is not the correct coordinator for this group'), {
    name: 'KafkaJSProtocolError',
    type: 'NOT_COORDINATOR',
    retriable: true,
  });
}

const noWait = async () => {};

describe('retryTransient (reading committed offsets while a coordinator moves)', () => {
  it('retries NOT_COORDINATOR until the read succeeds', async () => {
    let calls = 0;
    const result = await retryTransient(
      async () => {
        calls++;
        if (calls < 4) throw notCoordinator();
        return 42;
      },
      () => true,
      60_000,
      noWait,
    );
    expect(result).toBe(42);
    expect(calls).toBe(4);
  });

  it('does not retry an error that is not transient', async () => {
    let calls = 0;
    const refused = Object.assign(new Error('not authorized'), { type: 'GROUP_AUTHORIZATION_FAILED' });
    await expect(
      retryTransient(
        async () => {
          calls++;
          throw refused;
        },
        () => true,
        60_000,
        noWait,
      ),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);
  });

  it('gives up once the partition is no longer wanted, or the budget is spent', async () => {
    let calls = 0;
    let wanted = true;
    await expect(
      retryTransient(
        async () => {
          calls++;
          if (calls === 2) wanted = false;
          throw notCoordinator();
        },
        () => wanted,
        60_000,
        noWait,
      ),
    ).rejects.toThrow(/not the correct coordinator/);
    expect(calls).toBe(2);
    await expect(
      retryTransient(
        async () => Promise.reject(notCoordinator()),
        () => true,
        -1,
        noWait,
      ),
    ).rejects.toThrow(/not the correct coordinator/);
  });
});
