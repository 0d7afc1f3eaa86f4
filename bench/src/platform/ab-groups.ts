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
