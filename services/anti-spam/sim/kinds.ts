import { quantile, textTable } from '@showcase/simkit';
import type { SimUser } from './population.ts';

/**
 * The per-kind part of the report: for every spammer kind the recall and the spam delivered
 * before the block (per account; per campaign for farms), for every kind of normal user the
 * users wrongly blocked. "Spam delivered" counts payload messages (those carrying the
 * campaign's link, number or address): a two-step spammer's small talk is labelled spam but
 * harms nobody until the link follows.
 */
export interface AccountOutcome {
  readonly blocked: boolean;
  /** Messages the filter delivered before the block took effect (all, if never blocked). */
  readonly delivered: number;
  /** The detector's final score (admin view). */
  readonly score: number;
}

export interface KindRow {
  readonly kind: string;
  readonly spammer: boolean;
  /** Users of the kind (spam accounts: those that sent at least one message). */
  readonly users: number;
  readonly blocked: number;
  /** blocked / users for spammers; for normal users the share wrongly blocked. */
  readonly rate: number;
  /** Highest final score of the kind: how close its users came to the threshold. */
  readonly maxScore: number;
  /** Payload messages delivered per account before its block: p50, p95, max. */
  readonly payloadBeforeBlock?: { readonly p50: number; readonly p95: number; readonly max: number };
  /** Farms: payload delivered per campaign (all its accounts): max over the campaigns. */
  readonly perCampaignMax?: number;
}

/**
 * `order` is, per sender, whether each accepted message was a payload message, in the order
 * the service accepted them; the filter delivers a sender's messages in that order, so the
 * first `delivered` of them are the ones that got through.
 */
export function kindRows(
  users: readonly SimUser[],
  outcome: (id: string) => AccountOutcome | undefined,
  order: ReadonlyMap<string, readonly boolean[]>,
): KindRow[] {
  const byKind = new Map<string, SimUser[]>();
  for (const u of users) {
    // Spam accounts that never sent anything (a returner's unused account) are not judged.
    if (u.spammer && (order.get(u.id)?.length ?? 0) === 0) continue;
    byKind.set(u.kind, [...(byKind.get(u.kind) ?? []), u]);
  }
  const rows: KindRow[] = [];
  for (const [kind, members] of byKind) {
    const spammer = members[0]!.spammer;
    const blocked = members.filter((u) => outcome(u.id)?.blocked).length;
    const row: KindRow = {
      kind,
      spammer,
      users: members.length,
      blocked,
      rate: blocked / members.length,
      maxScore: Math.max(...members.map((u) => outcome(u.id)?.score ?? 0)),
    };
    if (!spammer) {
      rows.push(row);
      continue;
    }
    const payload = (u: SimUser) => {
      const through = outcome(u.id)?.delivered ?? 0;
      return (order.get(u.id) ?? []).slice(0, through).filter(Boolean).length;
    };
    const perAccount = members.map(payload);
    const campaigns = new Map<string, number>();
    for (const [i, u] of members.entries())
      campaigns.set(u.campaign ?? u.id, (campaigns.get(u.campaign ?? u.id) ?? 0) + perAccount[i]!);
    rows.push({
      ...row,
      payloadBeforeBlock: {
        p50: quantile(perAccount, 0.5),
        p95: quantile(perAccount, 0.95),
        max: Math.max(...perAccount),
      },
      ...(kind === 'farm' ? { perCampaignMax: Math.max(...campaigns.values()) } : {}),
    });
  }
  // Every spam account together: the goal is a p95 over spammers, not over each kind.
  const all = users.filter((u) => u.spammer && (order.get(u.id)?.length ?? 0) > 0);
  if (all.length > 0) {
    const through = all.map(
      (u) => (order.get(u.id) ?? []).slice(0, outcome(u.id)?.delivered ?? 0).filter(Boolean).length,
    );
    const blockedAll = all.filter((u) => outcome(u.id)?.blocked).length;
    rows.push({
      kind: 'all spammers',
      spammer: true,
      users: all.length,
      blocked: blockedAll,
      rate: blockedAll / all.length,
      maxScore: Math.max(...all.map((u) => outcome(u.id)?.score ?? 0)),
      payloadBeforeBlock: {
        p50: quantile(through, 0.5),
        p95: quantile(through, 0.95),
        max: Math.max(...through),
      },
    });
  }
  const rank = (r: KindRow) => (r.kind === 'all spammers' ? 1 : r.spammer ? 0 : 2);
  return rows.sort((a, b) => rank(a) - rank(b) || a.kind.localeCompare(b.kind));
}

export function printKindRows(rows: readonly KindRow[], log: (line: string) => void): void {
  const head = ['kind', 'users', 'blocked', 'rate', 'max score', 'payload delivered before block'];
  const body = rows.map((r) => {
    const b = r.payloadBeforeBlock;
    const spam = b
      ? `p50 ${b.p50.toFixed(1)}, p95 ${b.p95.toFixed(1)}, max ${b.max}${r.perCampaignMax !== undefined ? `; per farm max ${r.perCampaignMax}` : ''}`
      : 'normal (rate = wrongly blocked)';
    return [r.kind, String(r.users), String(r.blocked), r.rate.toFixed(3), r.maxScore.toFixed(2), spam];
  });
  for (const line of textTable(head, body, { right: [1, 2, 3, 4], rule: false })) log(line);
}
