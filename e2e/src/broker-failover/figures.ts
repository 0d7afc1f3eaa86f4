import { textTable } from '@showcase/simkit';
import type { WriteRecord } from './load.ts';

/** A broker event: from the moment it was done to the broker until the cluster was whole again. */
export interface BrokerEvent {
  readonly name: string;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** What the writes of one service saw during one event. */
export interface EventFigures {
  readonly event: string;
  readonly service: string;
  /** Writes sent during the event that were acknowledged (202). */
  readonly accepted: number;
  /** Writes sent during the event that were refused, failed or got no answer. */
  readonly failed: number;
  /** Acknowledged writes that took longer than `slowMs`. */
  readonly slow: number;
  readonly maxLatencyMs: number;
  /**
   * From the event's start until the end of its last failed or slow write: after that, writes
   * succeed again at normal latency. 0 when no write of the event failed or was slow.
   */
  readonly writesOkAfterMs: number;
  /** How long the event lasted (until every partition was fully in sync again). */
  readonly eventMs: number;
}

export function eventFigures(
  records: readonly WriteRecord[],
  service: string,
  event: BrokerEvent,
  slowMs: number,
): EventFigures {
  const mine = records.filter(
    (r) => r.service === service && r.startedAt >= event.startedAt && r.startedAt <= event.endedAt,
  );
  let accepted = 0;
  let failed = 0;
  let slow = 0;
  let maxLatencyMs = 0;
  let lastBadEnd = event.startedAt;
  for (const r of mine) {
    const latency = r.endedAt - r.startedAt;
    maxLatencyMs = Math.max(maxLatencyMs, latency);
    const ok = r.status === 202;
    if (ok) accepted++;
    else failed++;
    if (ok && latency > slowMs) slow++;
    if (!ok || latency > slowMs) lastBadEnd = Math.max(lastBadEnd, r.endedAt);
  }
  return {
    event: event.name,
    service,
    accepted,
    failed,
    slow,
    maxLatencyMs,
    writesOkAfterMs: lastBadEnd - event.startedAt,
    eventMs: event.endedAt - event.startedAt,
  };
}

/** One line per event and service, aligned, for the test's report and the issue note. */
export function figuresTable(rows: readonly EventFigures[], slowMs: number): string {
  const head = [
    'event',
    'service',
    'accepted',
    'failed',
    `slow>${slowMs}ms`,
    'max ms',
    'writes ok after',
    'event lasted',
  ];
  const body = rows.map((r) => [
    r.event,
    r.service,
    String(r.accepted),
    String(r.failed),
    String(r.slow),
    String(r.maxLatencyMs),
    `${(r.writesOkAfterMs / 1000).toFixed(1)} s`,
    `${(r.eventMs / 1000).toFixed(1)} s`,
  ]);
  return textTable(head, body).join('\n');
}
