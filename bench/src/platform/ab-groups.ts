/**
 * Exactly-once transactions per service from `/admin/groups` (summed over its groups): the A/B
 * tool's count of transactions/s and records per transaction.
 */
import type { Endpoint } from './groups.ts';

interface GroupTx {
  readonly transactions?: number;
  readonly transactionRecords?: number;
}

export async function fetchGroupsJson(
  endpoints: readonly Endpoint[],
  token: string,
): Promise<Map<string, { transactions: number; records: number }>> {
  const out = new Map<string, { transactions: number; records: number }>();
  for (const { service, url } of endpoints) {
    const res = await fetch(`${url}/admin/groups`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { groups: GroupTx[] };
    let transactions = 0;
    let records = 0;
    for (const g of body.groups) {
      transactions += g.transactions ?? 0;
      records += g.transactionRecords ?? 0;
    }
    out.set(service, { transactions, records });
  }
  return out;
}

/**
 * Event-loop delay and GC time per service from its `/metrics` (prom-client's default metrics:
 * the delay histogram is reset at every scrape, so a scrape before and one after a phase give the
 * phase's delay; GC seconds are a running sum).
 */
export async function scrapeLoop(
  endpoints: readonly Endpoint[],
): Promise<Map<string, { lagP50Ms: number; lagP99Ms: number; lagMaxMs: number; gcSeconds: number }>> {
  const out = new Map<string, { lagP50Ms: number; lagP99Ms: number; lagMaxMs: number; gcSeconds: number }>();
  for (const { service, url } of endpoints) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const value = (pattern: RegExp) => {
      let sum = 0;
      for (const m of text.matchAll(pattern)) sum += Number(m[1]);
      return sum;
    };
    out.set(service, {
      lagP50Ms: value(/^nodejs_eventloop_lag_p50_seconds(?:\{[^}]*\})? (\S+)$/gm) * 1000,
      lagP99Ms: value(/^nodejs_eventloop_lag_p99_seconds(?:\{[^}]*\})? (\S+)$/gm) * 1000,
      lagMaxMs: value(/^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/gm) * 1000,
      gcSeconds: value(/^nodejs_gc_duration_seconds_sum(?:\{[^}]*\})? (\S+)$/gm),
    });
  }
  return out;
}
