import type { Random } from '@showcase/simkit';
import {
  campaignDestination,
  followUpText,
  personalisedText,
  scriptedText,
  smallTalkText,
  spamText,
} from './content.ts';

/**
 * Spammers that try not to look like spammers, next to the blatant ones. Every kind is a
 * behaviour of one "operator"; farms and returners run several accounts, each a labelled user.
 * anti-spam's simulator and the platform simulator both draw their spam from here.
 *
 * - link, scam: blatant campaigns (templated texts with links / phone numbers, fast).
 * - slow: a campaign below the normal users' own send rate (one message every ~5 rounds).
 * - personalised: the recipient's name and varied wording, the same destination link.
 * - two-step: harmless small talk to strangers first; the link only to those who answered.
 * - scripted: small talk, then a scripted line with the link to every answer, whatever it said.
 * - farm: one campaign over many new accounts, each sending a little (2–3 messages).
 * - returner: a personalised campaign that comes back under a new account after each block.
 */
export type SpammerKind =
  | 'link'
  | 'scam'
  | 'slow'
  | 'personalised'
  | 'two-step'
  | 'scripted'
  | 'farm'
  | 'returner';

export const SPAMMER_KINDS: readonly SpammerKind[] = [
  'link',
  'scam',
  'slow',
  'personalised',
  'two-step',
  'scripted',
  'farm',
  'returner',
];

/** Operators are assigned kinds in this order, round robin: every kind appears in a small run. */
const ORDER: readonly SpammerKind[] = [
  'link',
  'personalised',
  'two-step',
  'scripted',
  'slow',
  'returner',
  'scam',
  'farm',
  'personalised',
  'two-step',
  'scripted',
  'slow',
  'returner',
  'link',
  'farm',
];

/** Accounts of one farm, and new accounts a returner may open (the first is its own). */
export const FARM_ACCOUNTS = 10;
export const RETURNER_ACCOUNTS = 3;

export interface SpamAccount {
  readonly id: string;
  readonly kind: SpammerKind;
  /** The operator (campaign) this account belongs to: farm and returner accounts share one. */
  readonly campaign: string;
  /** Where the campaign sends people ('' for the blatant kinds: a new domain per message). */
  readonly destination: string;
  readonly variant: number;
  /** First round (1-based) the account may send in; returners' later accounts wait for a block. */
  readonly start: number;
  /** Position in a returner's chain of accounts / a farm's accounts. */
  readonly index: number;
}

/** Ids for `count` accounts: `id(i)` gives the i-th unused id of the population. */
export function spamAccounts(
  r: Random,
  operators: number,
  id: (n: number) => string,
  options: { readonly firstRound: number },
): SpamAccount[] {
  const accounts: SpamAccount[] = [];
  let n = 0;
  for (let op = 0; op < operators; op++) {
    const kind = ORDER[op % ORDER.length]!;
    const campaign = `c${op}`;
    const destination = kind === 'link' || kind === 'scam' ? '' : campaignDestination(r);
    const variant = r.int(0, 2);
    // Spam arrives over the first rounds after the warm-up, not all at once.
    const start = options.firstRound + r.int(0, 4);
    const count = kind === 'farm' ? FARM_ACCOUNTS : kind === 'returner' ? RETURNER_ACCOUNTS : 1;
    for (let index = 0; index < count; index++) {
      // A farm brings two new accounts online per round.
      const begins = kind === 'farm' ? start + Math.floor(index / 2) : start;
      accounts.push({ id: id(n++), kind, campaign, destination, variant, start: begins, index });
    }
  }
  return accounts;
}

export interface SpamMessage {
  readonly from: string;
  readonly to: string;
  readonly text: string;
  /** Carries the campaign's destination (link, number, address): what the spam is for. */
  readonly payload: boolean;
  /** Chance that the recipient answers it (small talk gets answers; links hardly). */
  readonly replyChance: number;
}

/** Chance that the recipient of a payload message reports the sender. */
export const REPORT_CHANCE = 0.05;

/**
 * What the spam accounts send, round by round. Two-step and scripted spammers react to
 * answers (`answered`); returners move to their next account once they learn of a block
 * (`blocked`) or, when nobody tells them, after `switchAfter` messages.
 */
export class SpamPlanner {
  private readonly reached = new Map<string, Set<string>>();
  /** Per account: victims who answered and are owed the next step. */
  private readonly owed = new Map<string, string[]>();
  /** Per account and victim: how many scripted lines it already got. */
  private readonly steps = new Map<string, number>();
  private readonly sent = new Map<string, number>();
  private readonly done = new Set<string>();
  /** The round in which a returner's next account opened (after the previous one ended). */
  private readonly opened = new Map<string, number>();
  private round = 0;

  constructor(
    private readonly r: Random,
    readonly accounts: readonly SpamAccount[],
    private readonly victims: readonly string[],
    private readonly options: { readonly switchAfter: number } = { switchAfter: 8 },
  ) {}

  /** Accounts that may send this round (a returner's current account only). */
  active(): SpamAccount[] {
    return this.accounts.filter((a) => this.isActive(a));
  }

  next(): SpamMessage[] {
    this.round++;
    const out: SpamMessage[] = [];
    for (const a of this.accounts) if (this.isActive(a)) out.push(...this.plan(a));
    for (const m of out) this.sent.set(m.from, (this.sent.get(m.from) ?? 0) + 1);
    for (const a of this.accounts)
      if (a.kind === 'returner' && (this.sent.get(a.id) ?? 0) >= this.options.switchAfter) this.end(a);
    return out;
  }

  /** `victim` answered `account`: two-step and scripted accounts send it their next step. */
  answered(account: string, victim: string): void {
    const list = this.owed.get(account) ?? [];
    if (!list.includes(victim)) list.push(victim);
    this.owed.set(account, list);
  }

  /** The account learned that it is blocked: a returner opens its next account. */
  blocked(account: string): void {
    const a = this.accounts.find((x) => x.id === account);
    if (a) this.end(a);
  }

  private end(a: SpamAccount): void {
    if (this.done.has(a.id)) return;
    this.done.add(a.id);
    if (a.kind === 'returner') this.opened.set(`${a.campaign}/${a.index + 1}`, this.round + 1);
  }

  private isActive(a: SpamAccount): boolean {
    if (this.done.has(a.id) || this.round < a.start) return false;
    if (a.kind === 'returner' && a.index > 0) {
      const from = this.opened.get(`${a.campaign}/${a.index}`);
      return from !== undefined && this.round >= from;
    }
    if (a.kind === 'farm') return this.round < a.start + 3;
    return true;
  }

  private plan(a: SpamAccount): SpamMessage[] {
    const r = this.r;
    const payload = (to: string, text: string): SpamMessage => ({
      from: a.id,
      to,
      text,
      payload: true,
      replyChance: 0.03,
    });
    const opener = (to: string): SpamMessage => ({
      from: a.id,
      to,
      text: smallTalkText(r),
      payload: false,
      replyChance: 0.4,
    });
    const owed = this.owed.get(a.id) ?? [];
    this.owed.set(a.id, []);
    switch (a.kind) {
      case 'link':
        return this.times(r.int(2, 4), () => payload(this.victim(a), spamText('link', r, a.variant)));
      case 'scam':
        return this.times(r.int(1, 2), () => payload(this.victim(a), spamText('scam', r, a.variant)));
      case 'slow':
        return r.chance(0.2) ? [payload(this.victim(a), personalisedText(r, a.destination))] : [];
      case 'personalised':
      case 'returner':
        return this.times(r.int(1, 2), () => payload(this.victim(a), personalisedText(r, a.destination)));
      case 'farm':
        return r.chance(0.8) ? [payload(this.victim(a), personalisedText(r, a.destination))] : [];
      case 'two-step': {
        const out = owed.map((v) => payload(v, followUpText(r, a.destination)));
        return [...out, ...this.times(r.int(1, 3), () => opener(this.victim(a)))];
      }
      case 'scripted': {
        const out = owed.map((v) => {
          const key = `${a.id}>${v}`;
          const step = this.steps.get(key) ?? 0;
          this.steps.set(key, step + 1);
          return { ...payload(v, scriptedText(step, a.destination)), replyChance: 0.2 };
        });
        return [...out, ...this.times(r.int(1, 2), () => opener(this.victim(a)))];
      }
    }
  }

  private times(n: number, f: () => SpamMessage): SpamMessage[] {
    return Array.from({ length: n }, f);
  }

  /** A stranger the account has not written to yet (spam goes to new victims). */
  private victim(a: SpamAccount): string {
    const reached = this.reached.get(a.id) ?? new Set<string>();
    this.reached.set(a.id, reached);
    let to = this.r.pick(this.victims);
    for (let tries = 0; tries < 5 && reached.has(to); tries++) to = this.r.pick(this.victims);
    reached.add(to);
    return to;
  }
}
