import type { Random } from '@showcase/simkit';
import { greetingText, hamText, replyText, sharedLinkText } from './content.ts';
import { friendCircles } from './friend-circles.ts';
import { REPORT_CHANCE, type SpamAccount, type SpammerKind, SpamPlanner, spamAccounts } from './spammers.ts';

/**
 * Normal users, including the hard cases a spam detector must leave alone: very active
 * chatters (many friends, several messages a round: faster than most spammers), greeters (the
 * same greeting, nearly word for word, to many new matches: strangers, near-duplicates, cold)
 * and link sharers (a video, a song or a place in 40% of their messages, to friends).
 */
export type NormalKind = 'normal' | 'social' | 'newcomer' | 'chatter' | 'greeter' | 'sharer';
export const HARD_CASES: readonly NormalKind[] = ['chatter', 'greeter', 'sharer', 'newcomer', 'social'];

/**
 * A labelled population: normal users in small reciprocal circles (a few friends each, some
 * across circles, a few very social users, a few newcomers who write to strangers, and the
 * hard cases above), and spam operators of every kind in spammers.ts (farms and returners with
 * several accounts each).
 */
export interface SimUser {
  readonly id: string;
  readonly spammer: boolean;
  readonly kind: NormalKind | SpammerKind;
  readonly friends: string[];
  /** Template variant of a spam campaign or of a greeter's greeting. */
  readonly variant: number;
  /** Spam accounts: the operator (farm, returner chain) it belongs to. */
  readonly campaign?: string;
}

export interface PopulationOptions {
  readonly users: number;
  /** Share of spam operators among `users`; farms and returners add accounts beyond. */
  readonly spamRatio: number;
  /** Prefix of every user id (a run id keeps runs apart on a reused broker). */
  readonly prefix: string;
  /** Rounds of normal traffic before the first spam (people were there before the spammers). */
  readonly warmup?: number;
}

export interface Population {
  readonly users: SimUser[];
  readonly accounts: SpamAccount[];
}

export function buildPopulation(r: Random, options: PopulationOptions): Population {
  const operators = Math.max(1, Math.round(options.users * options.spamRatio));
  const normalCount = options.users - operators;
  const users: SimUser[] = [];
  const id = (i: number) => `${options.prefix}u${String(i).padStart(4, '0')}`;
  // Ids are shuffled so that labels cannot be guessed from them.
  const normals = r.shuffle(Array.from({ length: normalCount }, (_, i) => id(i)));

  // Circles of 4–8 people who mostly all know each other.
  const { friends, link } = friendCircles(r, normals);
  // Some friends across circles.
  for (const a of normals) if (r.chance(0.5)) link(a, r.pick(normals));
  const kinds = new Map<string, NormalKind>();
  for (const a of normals) {
    const roll = r.next();
    if (roll < 0.05) {
      kinds.set(a, 'social');
      for (let k = 0; k < r.int(8, 14); k++) link(a, r.pick(normals));
    } else if (roll < 0.1) {
      kinds.set(a, 'newcomer');
    } else if (roll < 0.15) {
      kinds.set(a, 'chatter');
      for (let k = 0; k < r.int(6, 12); k++) link(a, r.pick(normals));
    } else if (roll < 0.2) {
      kinds.set(a, 'greeter');
    } else if (roll < 0.25) {
      kinds.set(a, 'sharer');
    } else kinds.set(a, 'normal');
  }
  for (const a of normals) if (friends.get(a)!.size === 0) link(a, r.pick(normals));

  for (const a of normals) {
    users.push({
      id: a,
      spammer: false,
      kind: kinds.get(a)!,
      friends: [...friends.get(a)!],
      variant: r.int(0, 2),
    });
  }
  // Spam account ids continue after the normal ones, shuffled among themselves.
  const accounts = spamAccounts(r, operators, (n) => id(normalCount + n), {
    firstRound: (options.warmup ?? 0) + 1,
  });
  const shuffled = r.shuffle(accounts.map((a) => a.id));
  const renamed = accounts.map((a, i) => ({ ...a, id: shuffled[i]! }));
  for (const a of renamed)
    users.push({
      id: a.id,
      spammer: true,
      kind: a.kind,
      friends: [],
      variant: a.variant,
      campaign: a.campaign,
    });
  return { users, accounts: renamed };
}

export interface PlannedMessage {
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly spam: boolean;
  /** Spam carrying the campaign's destination (what the spam delivered before a block counts). */
  readonly payload?: boolean;
  /** Chance the recipient answers (default: friends 0.75, strangers 0.5, spam 0.03). */
  readonly replyChance?: number;
}

/** A user's report about another (POST /reports as `by`). */
export interface PlannedReport {
  readonly by: string;
  readonly user: string;
  readonly reason: string;
}

/**
 * The traffic of one round. Replies to what arrived in earlier rounds come back from
 * `pendingReplies` (people answer friends most of the time, spam almost never); recipients of
 * spam with a link sometimes report it, and a greeting now and then too.
 */
export class Traffic {
  private readonly normals: SimUser[];
  private readonly byId: Map<string, SimUser>;
  private replies: PlannedMessage[] = [];
  private reports: PlannedReport[] = [];
  /** Strangers each greeter has already greeted (a greeting goes to a new match). */
  private readonly greeted = new Map<string, Set<string>>();
  readonly spam: SpamPlanner;

  constructor(
    private readonly r: Random,
    readonly users: readonly SimUser[],
    accounts: readonly SpamAccount[],
  ) {
    this.normals = users.filter((u) => !u.spammer);
    this.byId = new Map(users.map((u) => [u.id, u]));
    this.spam = new SpamPlanner(
      r,
      accounts,
      this.normals.map((u) => u.id),
    );
  }

  round(): PlannedMessage[] {
    const r = this.r;
    const out: PlannedMessage[] = this.replies;
    this.replies = [];
    for (const u of this.users) {
      switch (u.kind) {
        case 'normal':
        case 'social':
          if (r.chance(u.kind === 'social' ? 0.7 : 0.35)) out.push(this.ham(u.id, r.pick(u.friends)));
          break;
        case 'newcomer':
          if (r.chance(0.35))
            out.push(this.ham(u.id, r.chance(0.3) ? r.pick(this.normals).id : r.pick(u.friends)));
          break;
        case 'chatter':
          for (let k = r.int(2, 4); k > 0; k--) out.push(this.ham(u.id, r.pick(u.friends)));
          break;
        case 'greeter':
          if (r.chance(0.6))
            out.push({ from: u.id, to: this.newMatch(u), text: greetingText(r, u.variant), spam: false });
          if (r.chance(0.3)) out.push(this.ham(u.id, r.pick(u.friends)));
          break;
        case 'sharer':
          if (r.chance(0.5))
            out.push({
              from: u.id,
              to: r.pick(u.friends),
              text: r.chance(0.4) ? sharedLinkText(r) : hamText(r),
              spam: false,
            });
          break;
      }
    }
    for (const m of this.spam.next())
      out.push({
        from: m.from,
        to: m.to,
        text: m.text,
        spam: true,
        payload: m.payload,
        replyChance: m.replyChance,
      });
    return out.filter((m) => m.from !== m.to);
  }

  /** Reports planned from what arrived in the last round. */
  takeReports(): PlannedReport[] {
    const out = this.reports;
    this.reports = [];
    return out;
  }

  /** Called for messages that were sent: schedules answers (and reports) for the next round. */
  delivered(messages: readonly PlannedMessage[]): void {
    for (const m of messages) {
      const recipient = this.byId.get(m.to);
      if (!recipient) continue;
      // A spam account got an answer: two-step and scripted spammers follow up.
      if (recipient.spammer) {
        this.spam.answered(m.to, m.from);
        continue;
      }
      const friend = recipient.friends.includes(m.from);
      const p = m.replyChance ?? (m.spam ? 0.03 : friend ? 0.75 : 0.5);
      if (this.r.chance(p)) {
        this.replies.push({
          from: m.to,
          to: m.from,
          text: m.spam && m.payload ? 'who is this?' : replyText(this.r),
          spam: false,
        });
      }
      if (m.payload && this.r.chance(REPORT_CHANCE))
        this.reports.push({ by: m.to, user: m.from, reason: 'spam link' });
      else if (!m.spam && !friend && this.r.chance(0.01))
        this.reports.push({ by: m.to, user: m.from, reason: 'annoying' });
    }
  }

  private ham(from: string, to: string): PlannedMessage {
    return { from, to, text: hamText(this.r), spam: false };
  }

  private newMatch(u: SimUser): string {
    const seen = this.greeted.get(u.id) ?? new Set<string>();
    this.greeted.set(u.id, seen);
    let to = this.r.pick(this.normals).id;
    for (let tries = 0; tries < 5 && (seen.has(to) || u.friends.includes(to)); tries++)
      to = this.r.pick(this.normals).id;
    seen.add(to);
    return to;
  }
}
