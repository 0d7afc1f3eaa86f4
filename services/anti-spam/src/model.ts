/** Values of the anti-spam group tables. */

/** One message of the recent window the detector keeps per sender. */
export interface RecentMessage {
  /** Normalised, de-duplicated, sorted tokens (space separated); '' for very short texts. */
  readonly tokens: string;
  /** Near-duplicate of an earlier message in the window. */
  readonly dup: boolean;
  /** Contains a URL, an e-mail address or a phone number. */
  readonly link: boolean;
  /** Sent to someone who had never written to the sender. */
  readonly cold: boolean;
}

export interface Features {
  readonly fanout: number;
  readonly noReply: number;
  readonly duplicate: number;
  readonly links: number;
  readonly cold: number;
  readonly rate: number;
  readonly reports: number;
}

/** The detector's per-user row. */
export interface DetectorState {
  readonly user: string;
  readonly sent: number;
  readonly received: number;
  /** Exponentially decayed message count and the time it was last updated. */
  readonly rate: { readonly count: number; readonly at: number };
  /** Distinct recipients ever written to (since the last unblock). */
  readonly distinct: number;
  /** Of those, how many wrote back. */
  readonly replied: number;
  /** Recent recipients: id -> 1 when they replied. Bounded; the oldest are forgotten. */
  readonly recipients: Record<string, 0 | 1>;
  /** Recent senders to this user: id -> 1 once this user replied to them. Bounded. */
  readonly senders: Record<string, 0 | 1>;
  readonly recent: readonly RecentMessage[];
  /** Distinct users who reported this user (newest 100). */
  readonly reporters: readonly string[];
  /**
   * Of `reporters`, those who had only small talk from this user when they reported it: they
   * were among its recipients but never got a link, address or number from it. Such a report
   * is about tone ("annoying"), not about where the user sends people; it weighs half.
   * Absent in older rows (every report counted fully).
   */
  readonly smallTalkReporters?: readonly string[];
  /**
   * Recipients who got a link, address or number from this user (the newest 32): a report by
   * one of them is about what the user sends people to. Absent in older rows.
   */
  readonly linked?: readonly string[];
  /**
   * People this user wrote to first (they had never written to it): the newest ones, bounded.
   * A link sent to several of them is what campaigns do (spread). Absent in older rows.
   */
  readonly opened?: readonly string[];
  /** Destinations (link domains, phone numbers, e-mail addresses) it sent lately. Absent in older rows. */
  readonly destinations?: Readonly<Record<string, DestinationUse>>;
  readonly score: number;
  readonly features: Features;
  /**
   * Set once the detector decided to block the user in the current episode. Until the block
   * event comes back on spam-block-events (`confirmed`), every further input of the user emits
   * it again, identically (same id): a table write acknowledged with a lost emit cannot leave a
   * flagged user unblocked under at-least-once. The blocker ignores the repeats.
   */
  readonly flagged: {
    readonly at: number;
    readonly score: number;
    readonly source: 'detector' | 'report';
    /** The block's reason, kept so that a re-emit is identical. */
    readonly reason?: string;
    /** The detector has seen its block event on spam-block-events. */
    readonly confirmed?: boolean;
  } | null;
  readonly verified: boolean;
  readonly updatedAt: number;
}

/** What the detector sends to another user's row through its loopback. */
export type DetectorLoop =
  | {
      readonly type: 'received';
      readonly from: string;
      readonly at: number;
      /**
       * `from` is answering: the recipient wrote to `from` first. Derived from the sender's row
       * on every message (not only on the first reply), so a lost loopback is made good by the
       * next message; applying it twice changes nothing.
       */
      readonly reply?: boolean;
    }
  /** Older records of the loop topic (before `reply` existed); still understood. */
  | { readonly type: 'replied'; readonly by: string; readonly at: number };

/** The filter's per-sender row. */
export interface FilterStats {
  readonly delivered: number;
  readonly dropped: number;
  /** Messages delivered before the current block took effect (set on the first drop). */
  readonly deliveredBeforeBlock: number | null;
  /** `since` of the block the drops belong to (a new block starts a new count). */
  readonly blockedSince: number | null;
  readonly lastDeliveredAt: number | null;
  readonly lastDroppedAt: number | null;
}

export interface InboxMessage {
  readonly id: string;
  readonly from: string;
  readonly text: string;
  readonly sentAt: number;
  /** Position in the user's inbox since the beginning (1, 2, …): lets clients find new ones. */
  readonly seq: number;
}

/**
 * The collector's per-recipient row: how many messages were delivered, and the ids of the most
 * recent ones (a bounded window, to recognise a redelivered message). The messages themselves
 * are rows of their own (`InboxMessage`, key `<user>|<seq>`, see `inboxEntryKey`), so one
 * delivery writes a few bounded rows whatever the inbox holds.
 */
export interface InboxHead {
  readonly total: number;
  /** Ids of the last messages, oldest first; the last one has seq `total`. */
  readonly recent: readonly string[];
}

/** Before entries became rows of their own, the head held the messages; still readable. */
export interface LegacyInbox {
  readonly messages: readonly InboxMessage[];
  readonly total: number;
}

/** @deprecated the row is `InboxHead`; kept for code that named the old type. */
export type Inbox = InboxHead;

const SEQ_DIGITS = 12;

/** `<user>|<seq, zero-padded>`: the entries of one user are a contiguous, ordered key range. */
export const inboxEntryKey = (user: string, seq: number): string =>
  `${user}|${String(seq).padStart(SEQ_DIGITS, '0')}`;

/** The key range of a user's entries with seq >= from ('|' and '}' never occur in user ids). */
export const inboxEntryRange = (user: string, from = 1) => ({
  gte: inboxEntryKey(user, Math.max(1, from)),
  lt: `${user}}`,
});

/** The user part of an entry key (routes WebSocket pushes). */
export const inboxOwner = (key: string): string => key.slice(0, key.lastIndexOf('|'));

/** One destination in a sender's row: whom it went to, and its reputation as last heard. */
export interface DestinationUse {
  /** People the sender had opened contact with who got this destination (bounded). */
  readonly to: readonly string[];
  /**
   * Of `to`, those who wrote to the sender after they got it (bounded): friends answer a shared
   * link, a campaign's victims hardly do. Absent in older rows.
   */
  readonly answered?: readonly string[];
  /** When each of `to` got it (same order): a message written before that is no answer to it. */
  readonly toAt?: readonly number[];
  /**
   * The destination's reputation across all senders, from the destinations group (`common`:
   * many accounts send it, neither good nor bad yet). Absent while unknown.
   */
  readonly reputation?: 'good' | 'bad' | 'common';
  /** Why it is bad, in plain words (for the block reason). */
  readonly why?: string;
}

/** What the detector tells a destination's row (key = the destination). */
export type DestinationEvent =
  | {
      readonly type: 'use';
      readonly sender: string;
      readonly at: number;
      /** The sender had conversations at the time: replies from at least 60% of its recipients. */
      readonly established: boolean;
    }
  /** The sender was blocked (detector or reports) while this destination was in its row. */
  | { readonly type: 'blocked'; readonly sender: string; readonly at: number };

/** The destinations group's verdict for one sender (key = the sender). */
export interface DestinationVerdict {
  readonly destination: string;
  readonly reputation: 'good' | 'bad' | 'common';
  readonly why: string;
  readonly at: number;
}

/** The destinations group's row (key = a normalised destination). */
export interface DestinationState {
  /** Recent senders (bounded), told when the destination turns bad. */
  readonly senders: readonly string[];
  /** Senders with conversations of their own who used it (bounded). */
  readonly established: readonly string[];
  /** Blocked senders who used it (bounded). */
  readonly blocked: readonly string[];
  readonly reputation: 'good' | 'bad' | 'common' | 'unknown';
  readonly updatedAt: number;
}
