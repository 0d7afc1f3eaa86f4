import { expect, test } from 'vitest';
import { eventFigures, figuresTable } from '../src/broker-failover/figures.ts';
import type { WriteRecord } from '../src/broker-failover/load.ts';

const at = (startedAt: number, latency: number, status: number, service = 'a'): WriteRecord => ({
  service,
  what: 'w',
  startedAt,
  endedAt: startedAt + latency,
  status,
});

test('an event counts the writes sent during it: accepted, failed, slow, and when writes were fine again', () => {
  const records = [
    at(900, 10, 202), // before the event
    at(1_000, 2_500, 202), // slow: ends at 3 500
    at(1_100, 50, 0), // no answer
    at(1_200, 30, 503), // refused, ends at 1 230
    at(4_000, 20, 202),
    at(4_100, 20, 202, 'b'), // another service
    at(9_000, 20, 0), // after the event
  ];
  const f = eventFigures(records, 'a', { name: 'kill', startedAt: 1_000, endedAt: 5_000 }, 1_000);
  expect(f).toEqual({
    event: 'kill',
    service: 'a',
    accepted: 2,
    failed: 2,
    slow: 1,
    maxLatencyMs: 2_500,
    writesOkAfterMs: 2_500,
    eventMs: 4_000,
  });
});

test('an event without failed or slow writes reports 0 until writes are fine', () => {
  const f = eventFigures([at(1_000, 10, 202)], 'a', { name: 'e', startedAt: 1_000, endedAt: 2_000 }, 1_000);
  expect(f.writesOkAfterMs).toBe(0);
  expect(figuresTable([f], 1_000)).toMatch(/^event +service +accepted/);
});
