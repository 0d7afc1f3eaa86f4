import type { Random } from '@showcase/simkit';
import { hamText, replyText, type SpammerKind, spamText } from './content.ts';
import { friendCircles } from './friend-circles.ts';

/**
 * A labelled population: normal users in small reciprocal circles (a few friends each, some
 * across circles, a few very social users, a few newcomers who write to strangers), and
 * spammers of three kinds (link campaigns, scammers with phone/e-mail, slow mixed senders).
 */
export interface SimUser {
  readonly id: string;
  readonly spammer: boolean;
  readonly kind: 'normal' | 'social' | 'newcomer' | SpammerKind;
  readonly friends: string[];
  /** Template variant of a spam campaign. */
  readonly variant: number;
}

export interface PopulationOptions {
  readonly users: number;
  readonly spamRatio: number;
  /** Prefix of every user id (a run id keeps runs apart on a reused broker). */
  readonly prefix: string;
}

export function buildPopulation(r: Random, options: PopulationOptions): SimUser[] {
  const spamCount = Math.max(1, Math.round(options.users * options.spamRatio));
  const normalCount = options.users - spamCount;
  const users: SimUser[] = [];
  const id = (i: number) => `${options.prefix}u${String(i).padStart(4, '0')}`;
  // Ids are shuffled so that labels cannot be guessed from them.
  const ids = r.shuffle(Array.from({ length: options.users }, (_, i) => id(i)));
  const normals = ids.slice(0, normalCount);
  const spammers = ids.slice(normalCount);

  // Circles of 4–8 people who mostly all know each other.
  const { friends, link } = friendCircles(r, normals);
  // Some friends across circles.
  for (const a of normals) if (r.chance(0.5)) link(a, r.pick(normals));
  const kinds = new Map<string, SimUser['kind']>();
  for (const a of normals) {
    const roll = r.next();
    if (roll < 0.05) {
      kinds.set(a, 'social');
      for (let k = 0; k < r.int(8, 14); k++) link(a, r.pick(normals));
    } else if (roll < 0.1) {
      kinds.set(a, 'newcomer');
    } else kinds.set(a, 'normal');
  }
  for (const a of normals) if (friends.get(a)!.size === 0) link(a, r.pick(normals));

  for (const a of normals) {
    users.push({ id: a, spammer: false, kind: kinds.get(a)!, friends: [...friends.get(a)!], variant: 0 });
  }
  for (const s of spammers) {
    const roll = r.next();
    const kind: SpammerKind = roll < 0.5 ? 'link' : roll < 0.8 ? 'scam' : 'slow';
    users.push({ id: s, spammer: true, kind, friends: [], variant: r.int(0, 2) });
  }
  return users;
}

export interface PlannedMessage {
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly spam: boolean;
}

/**
 * The traffic of one round. Replies to what arrived in earlier rounds come back from
 * `pendingReplies` (people answer friends most of the time, spam almost never).
 */
export class Traffic {
  private readonly normals: SimUser[];
  private readonly byId: Map<string, SimUser>;
  private replies: PlannedMessage[] = [];
  /** Recipients each spammer has already written to (spam goes to new victims). */
  private readonly reached = new Map<string, Set<string>>();

  constructor(
    private readonly r: Random,
    readonly users: readonly SimUser[],
  ) {
    this.normals = users.filter((u) => !u.spammer);
    this.byId = new Map(users.map((u) => [u.id, u]));
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
        case 'link':
          for (let k = r.int(2, 4); k > 0; k--) out.push(this.spam(u));
          break;
        case 'scam':
          for (let k = r.int(1, 2); k > 0; k--) out.push(this.spam(u));
          break;
        case 'slow':
          if (r.chance(0.5)) out.push(this.spam(u));
          break;
      }
    }
    return out.filter((m) => m.from !== m.to);
  }

  /** Called for messages that were sent: schedules answers for the next round. */
  delivered(messages: readonly PlannedMessage[]): void {
    for (const m of messages) {
      const recipient = this.byId.get(m.to);
      if (!recipient || recipient.spammer) continue;
      const friend = recipient.friends.includes(m.from);
      const p = m.spam ? 0.03 : friend ? 0.75 : 0.5;
      if (this.r.chance(p)) {
        this.replies.push({
          from: m.to,
          to: m.from,
          text: m.spam ? 'who is this?' : replyText(this.r),
          spam: false,
        });
      }
    }
  }

  private ham(from: string, to: string): PlannedMessage {
    return { from, to, text: hamText(this.r), spam: false };
  }

  private spam(u: SimUser): PlannedMessage {
    const reached = this.reached.get(u.id) ?? new Set<string>();
    this.reached.set(u.id, reached);
    let to = this.r.pick(this.normals).id;
    for (let tries = 0; tries < 5 && reached.has(to); tries++) to = this.r.pick(this.normals).id;
    reached.add(to);
    return { from: u.id, to, text: spamText(u.kind as SpammerKind, this.r, u.variant), spam: true };
  }
}
