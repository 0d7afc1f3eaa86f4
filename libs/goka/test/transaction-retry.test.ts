import { expect, it } from 'vitest';
import { transactionRetry } from '../src/cluster/kafka/transactional-producer.ts';

/** kafkajs' delays without randomisation: initial, doubling, capped at maxRetryTime. */
function budget(r: { initialRetryTime?: number; maxRetryTime?: number; retries?: number }): number {
  let total = 0;
  for (let n = 0; n < (r.retries ?? 5); n++)
    total += Math.min((r.initialRetryTime ?? 300) * 2 ** n, r.maxRetryTime ?? 30_000);
  return total;
}

it('transactional producers retry CONCURRENT_TRANSACTIONS after 20 ms but keep the outage budget', () => {
  const cluster = { retries: 30, initialRetryTime: 300, maxRetryTime: 5_000 };
  const tx = transactionRetry(cluster);
  expect(tx.initialRetryTime).toBe(20);
  // The same two-minute-and-more ride through a broker outage, within one backoff step.
  expect(Math.abs(budget(tx) - budget(cluster))).toBeLessThan(5_000);
  expect(budget(tx)).toBeGreaterThan(120_000);
});
