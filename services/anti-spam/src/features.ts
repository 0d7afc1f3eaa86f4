import type { DestinationUse, DetectorState, Features, RecentMessage } from './model.ts';

/**
 * The spam features and the score. Pure functions of the detector's row, so they can be tested
 * and tuned without Kafka. What separates spammers from people in the simulator and in real
 * chat: spammers write to many strangers (fan-out, cold messages), hardly anyone writes back
 * (no reply), their texts are templates (near-duplicates) carrying a URL or phone number, and
 * they send fast. Each feature is scaled to 0..1; the score is their weighted sum.
 */
export interface DetectorConfig {
  /** Score at which a user is blocked. */
  readonly threshold: number;
  /** No automatic block before this many messages (evidence first). */
  readonly minMessages: number;
  /** Fan-out feature is 0 up to `fanoutLow` distinct recipients and 1 from `fanoutHigh`. */
  readonly fanoutLow: number;
  readonly fanoutHigh: number;
  /** Messages per minute at which the rate feature is 1. */
  readonly rateHighPerMinute: number;
  /** Half-life of the decayed message rate, seconds. */
  readonly rateHalfLifeSeconds: number;
  /** Messages kept per user for the duplicate/link/cold ratios. */
  readonly window: number;
  /** Reports that block a user (source `report`); one about small talk weighs half. */
  readonly reportThreshold: number;
  /** Recipients and senders remembered per user for reply tracking. */
  readonly maxPeers: number;
  /**
   * A destination not known to be good, sent to this many people the sender had just opened
   * contact with, blocks a sender without conversations of its own (campaign spread).
   */
  readonly spread: number;
}

export const defaultDetectorConfig: DetectorConfig = {
  threshold: 0.55,
  minMessages: 3,
  fanoutLow: 5,
  fanoutHigh: 20,
  rateHighPerMinute: 20,
  rateHalfLifeSeconds: 300,
  window: 20,
  reportThreshold: 3,
  maxPeers: 300,
  spread: 3,
};

/** Weights of the features in the score; they sum to 1 without reports. */
export const WEIGHTS: Readonly<Features> = {
  fanout: 0.25,
  noReply: 0.2,
  duplicate: 0.2,
  links: 0.15,
  cold: 0.1,
  rate: 0.1,
  reports: 0.3,
};

/** Texts shorter than this (in distinct tokens) never count as duplicates: "hi", "ok :)". */
const MIN_TOKENS = 4;
/** Jaccard similarity of token sets from which two messages are near-duplicates. */
const NEAR_DUPLICATE = 0.6;

const URL =
  /\b(?:https?:\/\/|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|ru|xyz|info|biz|top|club|site|online|me|ly|co|link|click)\b(?:\/\S*)?/gi;
const EMAIL = /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g;
const PHONE = /(?:\+?\d[\s().-]{0,2}){7,}/g;

/**
 * Where a text sends people, normalised so that one campaign's messages agree however they
 * are worded: link domains without `www.` (the path and query vary per recipient in real
 * campaigns), e-mail addresses lower-cased, phone numbers as their last 9 digits.
 */
export function destinationsOf(text: string): string[] {
  // Most messages carry none: one cheap test first.
  if (!hasLink(text)) return [];
  const found = new Set<string>();
  let rest = text.replace(EMAIL, (m) => {
    found.add(`mail:${m.toLowerCase()}`);
    return ' ';
  });
  rest = rest.replace(URL, (m) => {
    const host = m
      .replace(/^[a-z]+:\/\//i, '')
      .split(/[/?#:]/)[0]!
      .toLowerCase()
      .replace(/^www\./, '');
    if (host) found.add(host);
    return ' ';
  });
  for (const m of rest.match(PHONE) ?? []) {
    const digits = m.replace(/\D/g, '');
    if (digits.length >= 7) found.add(`tel:${digits.slice(-9)}`);
  }
  return [...found];
}

/**
 * A sender with conversations of its own: at least two people wrote back, and at least 60%
 * of those it wrote to. Spammers of every kind stay below (most victims never answer, and a
 * two-step spammer's small talk reaches more strangers than answer it); people chatting with
 * friends are above it within a few messages.
 */
export function established(state: Pick<DetectorState, 'replied' | 'distinct'>): boolean {
  return state.replied >= 2 && state.replied >= 0.6 * state.distinct;
}

/**
 * Messages from which an account that nobody ever wrote to, and whose every message carried one
 * unknown destination (not good, bad or common) to someone it had just opened contact with, is
 * blocked (rule "first links"). Two: one link to one stranger is what anybody may do once.
 */
export const FIRST_LINKS = 2;

/**
 * The destination rules, in plain words, or null. A sender without conversations of its own
 * is blocked when (a) it sent a destination that accounts blocked before also sent (returners,
 * the rest of a farm), (b) it sent one destination of unknown reputation (not good, not
 * common) to `spread` people it had just opened contact with who did not write back after it
 * (personalised, slow, two-step, scripted: friends answer a shared link, victims hardly do), or
 * (c) nobody ever wrote to it and every one of its (at least `FIRST_LINKS`) messages carried
 * one unknown destination (not sent by many accounts) to someone it had just opened contact with (a slow
 * spammer's or a farm account's first links: an account that exists only to send them).
 */
export function destinationRule(
  state: Pick<DetectorState, 'replied' | 'distinct' | 'destinations' | 'sent' | 'received'>,
  config: Pick<DetectorConfig, 'spread'>,
): string | null {
  if (established(state)) return null;
  const uses = Object.entries(state.destinations ?? {}) as [string, DestinationUse][];
  for (const [d, use] of uses)
    if (use.reputation === 'bad')
      return `sent ${shown(d)}, ${use.why ?? 'a destination of blocked accounts'}`;
  for (const [d, use] of uses) {
    if (use.reputation !== undefined || use.to.length < config.spread) continue;
    const silent = unanswered(use);
    if (silent >= config.spread)
      return `sent the same destination ${shown(d)} to ${silent} people it had just contacted who did not answer it`;
  }
  // `to` holds distinct opened contacts, so to.length ≥ sent: every message carried d to one.
  if (state.received === 0 && state.sent >= FIRST_LINKS)
    for (const [d, use] of uses)
      if (use.reputation === undefined && use.to.length >= state.sent)
        return `sent ${shown(d)} in each of its ${state.sent} messages to people it had just contacted; nobody ever wrote to it`;
  return null;
}

/**
 * Reports by people who had only small talk from the user weigh this much; with the others a
 * report counts fully. A greeting to a stranger draws an "annoying" now and then; a link,
 * number or address sent to people who never asked for it is what spam reports are about.
 */
export const SMALL_TALK_REPORT_WEIGHT = 0.5;

/** Distinct reports, the small-talk ones weighing `SMALL_TALK_REPORT_WEIGHT`. */
export function reportWeight(state: Pick<DetectorState, 'reporters' | 'smallTalkReporters'>): number {
  const smallTalk = state.smallTalkReporters?.length ?? 0;
  return state.reporters.length - smallTalk + smallTalk * SMALL_TALK_REPORT_WEIGHT;
}

/**
 * The report rule, in plain words, or null: reports weighing `reportThreshold` (by default
 * three reports about links, numbers or the profile, or six about small talk).
 */
export function reportRule(
  state: Pick<DetectorState, 'reporters' | 'smallTalkReporters'>,
  config: Pick<DetectorConfig, 'reportThreshold'>,
): string | null {
  if (reportWeight(state) < config.reportThreshold) return null;
  const smallTalk = state.smallTalkReporters?.length ?? 0;
  return smallTalk > 0
    ? `reported by ${state.reporters.length} users (${smallTalk} of them about small talk)`
    : `reported by ${state.reporters.length} users`;
}

/** Recipients of a destination use who did not write to the sender after they got it. */
function unanswered(use: DestinationUse): number {
  const answered = use.answered ?? [];
  if (answered.length === 0) return use.to.length;
  let n = 0;
  for (const id of use.to) if (!answered.includes(id)) n++;
  return n;
}

const shown = (d: string) => d.replace(/^(mail|tel):/, '');

/** Non-global copies for `test` (a global regex keeps state between calls), compiled once. */
const URL_ONE = new RegExp(URL.source, 'i');
const EMAIL_ONE = new RegExp(EMAIL.source);
const PHONE_ONE = new RegExp(PHONE.source);

export function hasLink(text: string): boolean {
  return URL_ONE.test(text) || EMAIL_ONE.test(text) || PHONE_ONE.test(text);
}

/** Lower-cased words with links, addresses and numbers replaced by placeholders; unique, sorted. */
export function tokens(text: string): string[] {
  const normalised = text
    .toLowerCase()
    .replace(EMAIL, ' xemail ')
    .replace(URL, ' xurl ')
    .replace(PHONE, ' xphone ')
    .replace(/\d+/g, ' xnum ')
    .replace(/[^\p{L}\s]+/gu, ' ');
  return [...new Set(normalised.split(/\s+/).filter(Boolean))].sort();
}

export function jaccard(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const set = new Set(a);
  let common = 0;
  for (const t of b) if (set.has(t)) common++;
  return common / (a.length + b.length - common);
}

/** Classifies a new message against the sender's recent window. */
export function classify(text: string, recent: readonly RecentMessage[], cold: boolean): RecentMessage {
  const t = tokens(text);
  const long = t.length >= MIN_TOKENS;
  const dup =
    long && recent.some((r) => r.tokens !== '' && jaccard(t, r.tokens.split(' ')) >= NEAR_DUPLICATE);
  return { tokens: long ? t.join(' ') : '', dup, link: hasLink(text), cold };
}

/** Decayed count: halves every `halfLife` seconds, +1 per message. */
export function decay(rate: { count: number; at: number }, now: number, halfLifeSeconds: number): number {
  const dt = Math.max(0, now - rate.at) / 1000;
  return rate.count * 2 ** (-dt / halfLifeSeconds);
}

/** Messages per minute from a decayed count (steady state: count = rate · halfLife / ln 2). */
export function perMinute(count: number, halfLifeSeconds: number): number {
  return ((count * Math.LN2) / halfLifeSeconds) * 60;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
const ratio = (recent: readonly RecentMessage[], pick: (r: RecentMessage) => boolean) =>
  recent.length === 0 ? 0 : recent.filter(pick).length / recent.length;

export function features(state: DetectorState, now: number, config: DetectorConfig): Features {
  const rate = perMinute(decay(state.rate, now, config.rateHalfLifeSeconds), config.rateHalfLifeSeconds);
  return {
    fanout: clamp01((state.distinct - config.fanoutLow) / (config.fanoutHigh - config.fanoutLow)),
    // Too few recipients say nothing about replies yet.
    noReply: state.distinct >= 3 ? 1 - state.replied / state.distinct : 0,
    // A near-duplicate counts when it carries a link or number: the same greeting to many new
    // matches is what people do; the same text with a destination is what campaigns do.
    duplicate: ratio(state.recent, (r) => r.dup && r.link),
    links: ratio(state.recent, (r) => r.link),
    cold: ratio(state.recent, (r) => r.cold),
    rate: clamp01(rate / config.rateHighPerMinute),
    reports: clamp01(reportWeight(state) / config.reportThreshold),
  };
}

export function score(f: Features): number {
  let s = 0;
  for (const k of Object.keys(WEIGHTS) as (keyof Features)[]) s += WEIGHTS[k] * f[k];
  return Math.round(clamp01(s) * 1000) / 1000;
}

/** A short human explanation of an automatic block: the strongest features. */
export function explain(state: DetectorState, f: Features, s: number): string {
  const parts = [
    `${state.distinct} recipients`,
    `${Math.round((1 - f.noReply) * 100)}% replied`,
    `${Math.round(f.duplicate * 100)}% near-duplicate texts`,
    `${Math.round(f.links * 100)}% with links/phone numbers`,
  ];
  if (state.reporters.length > 0) parts.push(`${state.reporters.length} reports`);
  return `spam score ${s.toFixed(2)}: ${parts.join(', ')}`;
}
