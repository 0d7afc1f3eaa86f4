import { MultipleErrors, NetworkError, ResponseError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { transactionRetryDelay } from '../src/cluster/platformatic/transactional-producer.ts';

/**
 * The retry schedule of the platformatic transactional producer, fed the library's own errors as
 * its retry loop hands them over: a coordinator's CONCURRENT_TRANSACTIONS answer (error code 51,
 * also inside the MultipleErrors of earlier attempts) is retried from 20 ms on; anything else
 * keeps the cluster's ordinary schedule.
 */
const delay = transactionRetryDelay({ retries: 30, initialRetryTime: 300, maxRetryTime: 5_000 });
// AddOffsetsToTxn (api key 25) answered with error code 51.
const concurrent = new ResponseError(25, 4, { '': [51, null] }, {});

describe('transactionRetryDelay', () => {
  it('retries CONCURRENT_TRANSACTIONS from 20 ms, doubling, within the maximum', () => {
    expect(
      [1, 2, 3, 4, 5].map((attempt) => delay(null, 'addOffsetsToTransaction', attempt, 34, concurrent)),
    ).toEqual([20, 40, 80, 160, 320]);
    expect(delay(null, 'addOffsetsToTransaction', 12, 34, concurrent)).toBe(5_000);
    const wrapped = new MultipleErrors('addOffsetsToTransaction failed 2 times.', [
      new Error('x'),
      concurrent,
    ]);
    expect(delay(null, 'addOffsetsToTransaction', 2, 34, wrapped)).toBe(40);
  });

  it("keeps the cluster's schedule for other errors", () => {
    const lost = new NetworkError('Connection closed');
    expect([1, 2, 3, 5, 9].map((attempt) => delay(null, 'produce', attempt, 34, lost))).toEqual([
      300, 600, 1_200, 4_800, 5_000,
    ]);
    // Another coordinator answer: NOT_COORDINATOR (16).
    expect(delay(null, 'endTransaction', 1, 34, new ResponseError(26, 3, { '': [16, null] }, {}))).toBe(300);
  });
});
