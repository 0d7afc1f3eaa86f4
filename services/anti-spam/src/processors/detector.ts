import { messagesSent, spamBlockEvents } from '@showcase/contracts';
import { type Context, defineGroup, input, json, loopback, output, persist } from '@showcase/goka';
import {
  classify,
  type DetectorConfig,
  decay,
  destinationRule,
  destinationsOf,
  established,
  explain,
  features,
  reportRule,
  score,
} from '../features.ts';
import type { DestinationUse, DetectorLoop, DetectorState } from '../model.ts';
import { destinationEvents, destinationVerdicts, groups, reports } from '../topics.ts';

/** People opened contact with, and destinations, remembered per sender (the newest). */
const MAX_OPENED = 16;
const MAX_DESTINATIONS = 8;
const MAX_DESTINATION_RECIPIENTS = 8;
/** Recipients of the sender's links, numbers and addresses remembered (the newest). */
const MAX_LINKED = 32;

/** The sender's destinations after sending `found` to `to` (`opened`: it had opened contact with `to`). */
function withDestinations(
  current: Readonly<Record<string, DestinationUse>>,
  found: readonly string[],
  to: string,
  opened: boolean,
  now: number,
): Record<string, DestinationUse> {
  const next: Record<string, DestinationUse> = {};
  for (const d of Object.keys(current)) if (!found.includes(d)) setOwn(next, d, current[d]!);
  for (const d of found) {
    const use: DestinationUse = Object.hasOwn(current, d) ? current[d]! : { to: [] };
    // Re-inserted last: the oldest destinations are forgotten first.
    if (opened && !use.to.includes(to)) {
      const toAt = use.toAt ?? use.to.map(() => 0);
      setOwn(next, d, {
        ...use,
        to: [...use.to, to].slice(-MAX_DESTINATION_RECIPIENTS),
        toAt: [...toAt, now].slice(-MAX_DESTINATION_RECIPIENTS),
      });
    } else setOwn(next, d, use);
  }
  const keys = Object.keys(next);
  for (let i = 0; i < keys.length - MAX_DESTINATIONS; i++) delete next[keys[i]!];
  return next;
}

/**
 * The sender's destinations after `from` wrote to it at `at`: every use that went to `from`
 * before `at` counts it as answered. Undefined when nothing changes (most messages: no copy).
 */
function answeredBy(
  current: Readonly<Record<string, DestinationUse>>,
  from: string,
  at: number,
): Record<string, DestinationUse> | undefined {
  let next: Record<string, DestinationUse> | undefined;
  for (const d of Object.keys(current)) {
    const use = current[d]!;
    const answered = use.answered ?? [];
    const i = use.to.indexOf(from);
    if (i < 0 || answered.includes(from)) continue;
    // Written before it got the destination (a loopback that arrived late): no answer to it.
    if (at < (use.toAt?.[i] ?? 0)) continue;
    next ??= { ...current };
    setOwn(next, d, { ...use, answered: [...answered, from].slice(-MAX_DESTINATION_RECIPIENTS) });
  }
  return next;
}

/** Destinations are user-written text (`__proto__` is a valid domain label): own properties only. */
function setOwn<T>(o: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

type Ctx = Context<DetectorState, DetectorLoop>;

export function emptyDetectorState(user: string, now: number): DetectorState {
  return {
    user,
    sent: 0,
    received: 0,
    rate: { count: 0, at: now },
    distinct: 0,
    replied: 0,
    recipients: {},
    senders: {},
    recent: [],
    reporters: [],
    opened: [],
    destinations: {},
    score: 0,
    features: { fanout: 0, noReply: 0, duplicate: 0, links: 0, cold: 0, rate: 0, reports: 0 },
    flagged: null,
    verified: false,
    updatedAt: now,
  };
}

/**
 * A peer's flag, or undefined. Peer ids are user-chosen (`constructor`, `__proto__`,
 * `toString` are valid ids): only own properties count, never the prototype's.
 */
export function peerFlag(peers: Readonly<Record<string, 0 | 1>>, id: string): 0 | 1 | undefined {
  return Object.hasOwn(peers, id) ? peers[id] : undefined;
}

/** A copy with `id` set; defined as an own data property even for `__proto__`. */
function withPeer(peers: Readonly<Record<string, 0 | 1>>, id: string, value: 0 | 1): Record<string, 0 | 1> {
  const next: Record<string, 0 | 1> = {};
  for (const key of Object.keys(peers))
    Object.defineProperty(next, key, {
      value: peers[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  Object.defineProperty(next, id, { value, enumerable: true, writable: true, configurable: true });
  return next;
}

/** Adds a peer; forgets the oldest ones beyond `max` (objects keep insertion order). */
function remember(
  peers: Readonly<Record<string, 0 | 1>>,
  id: string,
  value: 0 | 1,
  max: number,
): Record<string, 0 | 1> {
  const next = withPeer(peers, id, value);
  const keys = Object.keys(next);
  for (let i = 0; i < keys.length - max; i++) delete next[keys[i]!];
  return next;
}

/**
 * Per user (key = user id): what it sent and received, to whom, whether they wrote back, what
 * its texts look like; the score from `features.ts`; a block event when the score crosses the
 * threshold (or enough users reported it). Reply tracking needs the other side's row, hence
 * the loopback: A writing to B tells B "A wrote to you" and, if B had written to A first,
 * "A replied" — so B's reply ratio counts A.
 *
 * Verified users are never blocked automatically. A manual unblock starts a new episode: the
 * windows and the fan-out baseline are reset so old evidence does not block again at once.
 */
export function detectorGroup(config: DetectorConfig) {
  const blockEvent = (ctx: Ctx, state: DetectorState, flagged: NonNullable<DetectorState['flagged']>) => {
    ctx.emit(spamBlockEvents.name, ctx.key, {
      type: 'block',
      // One id per episode: a repeated emit is recognisably the same event.
      id: `det-${ctx.key}-${flagged.at}`,
      user: ctx.key,
      by: 'detector',
      at: flagged.at,
      source: flagged.source,
      reason: flagged.reason ?? `spam score ${flagged.score.toFixed(2)}`,
      score: flagged.score,
    });
    // Its destinations are now ones a blocked account sent: the destinations group warns the
    // other senders (farms, returners). Repeated with the block event; the group counts once.
    for (const d of Object.keys(state.destinations ?? {}))
      ctx.emit(destinationEvents.name, d, { type: 'blocked', sender: ctx.key, at: flagged.at });
  };

  const evaluate = (ctx: Ctx, state: DetectorState, now: number) => {
    const f = features(state, now, config);
    const s = score(f);
    let next: DetectorState = { ...state, features: f, score: s, updatedAt: now };
    if (!next.verified && !next.flagged) {
      const reportedWhy = reportRule(next, config);
      const reported = reportedWhy !== null;
      const rule = reported ? null : destinationRule(next, config);
      // The score alone blocks only senders whose recent messages mostly carry a link, address
      // or number: what spam is sent for. A high score without one (the same greeting to many
      // new matches, one report too many) is left to reports.
      const scored = next.sent >= config.minMessages && s >= config.threshold && f.links >= 0.5;
      const detected = rule !== null || scored;
      if (reported || detected) {
        const source = reported ? 'report' : 'detector';
        const reason = reported
          ? reportedWhy
          : rule !== null
            ? `${rule} (spam score ${s.toFixed(2)})`
            : explain(next, f, s);
        next = { ...next, flagged: { at: now, score: s, source, reason } };
      }
    }
    // Emitted while unconfirmed, not only on the transition: re-derivable from the row.
    if (next.flagged && !next.flagged.confirmed && !next.verified) blockEvent(ctx, next, next.flagged);
    ctx.setValue(next);
  };

  /** B wrote to this user (key) and, if `reply`, this user had written to B first. */
  const received = (ctx: Ctx, state: DetectorState, from: string, at: number, reply: boolean) => {
    const senders =
      peerFlag(state.senders, from) !== undefined
        ? state.senders
        : remember(state.senders, from, 0, config.maxPeers);
    const destinations = answeredBy(state.destinations ?? {}, from, at);
    const next = {
      ...state,
      received: state.received + 1,
      senders,
      updatedAt: at,
      ...(destinations ? { destinations } : {}),
    };
    // Counts once per recipient; a repeated reply flag changes nothing.
    if (reply && peerFlag(next.recipients, from) === 0) {
      evaluate(
        ctx,
        { ...next, recipients: withPeer(next.recipients, from, 1), replied: next.replied + 1 },
        at,
      );
    } else {
      ctx.setValue(next);
    }
  };

  return defineGroup<DetectorState, DetectorLoop>(
    groups.detector,
    persist(json<DetectorState>()),
    loopback(json<DetectorLoop>(), (ctx, m) => {
      const state = ctx.value() ?? emptyDetectorState(ctx.key, m.at);
      if (m.type === 'received') {
        received(ctx, state, m.from, m.at, m.reply === true);
        return;
      }
      // Older loop records: m.by wrote back to this user.
      if (peerFlag(state.recipients, m.by) !== 0) return;
      evaluate(
        ctx,
        { ...state, recipients: withPeer(state.recipients, m.by, 1), replied: state.replied + 1 },
        m.at,
      );
    }),
    input(messagesSent.name, messagesSent.codec, (ctx, m) => {
      const now = m.sentAt;
      const state = ctx.value() ?? emptyDetectorState(ctx.key, now);
      const to = m.to;
      // `to` wrote to this user before: this message answers (0: first answer, 1: answered before).
      const known = peerFlag(state.senders, to);
      const cold = known === undefined;
      let { recipients, senders, distinct } = state;
      if (peerFlag(recipients, to) === undefined) {
        recipients = remember(recipients, to, 0, config.maxPeers);
        distinct++;
      }
      if (known === 0) senders = withPeer(senders, to, 1);
      // First contact with someone who never wrote to this user: it opened the contact.
      const opened0 = state.opened ?? [];
      const opened =
        cold && peerFlag(state.recipients, to) === undefined && !opened0.includes(to)
          ? [...opened0, to].slice(-MAX_OPENED)
          : opened0;
      const found = destinationsOf(m.text);
      const destinations =
        found.length > 0
          ? withDestinations(state.destinations ?? {}, found, to, opened.includes(to), now)
          : (state.destinations ?? {});
      const linked0 = state.linked ?? [];
      const linked =
        found.length > 0 && !linked0.includes(to) ? [...linked0, to].slice(-MAX_LINKED) : linked0;
      const isEstablished = established(state);
      for (const d of found)
        ctx.emit(destinationEvents.name, d, {
          type: 'use',
          sender: ctx.key,
          at: now,
          established: isEstablished || state.verified,
        });
      ctx.loopback(to, {
        type: 'received',
        from: ctx.key,
        at: now,
        ...(known !== undefined ? { reply: true } : {}),
      });
      const recent = [...state.recent, classify(m.text, state.recent, cold)].slice(-config.window);
      evaluate(
        ctx,
        {
          ...state,
          sent: state.sent + 1,
          rate: { count: decay(state.rate, now, config.rateHalfLifeSeconds) + 1, at: now },
          distinct,
          recipients,
          senders,
          recent,
          opened,
          destinations,
          linked,
        },
        now,
      );
    }),
    input(destinationVerdicts.name, destinationVerdicts.codec, (ctx, v) => {
      const state = ctx.value() ?? emptyDetectorState(ctx.key, v.at);
      const current = state.destinations ?? {};
      const use = Object.hasOwn(current, v.destination) ? current[v.destination]! : { to: [] };
      if (use.reputation === v.reputation && use.why === v.why) return;
      const destinations: Record<string, DestinationUse> = { ...current };
      setOwn(destinations, v.destination, { ...use, reputation: v.reputation, why: v.why });
      evaluate(ctx, { ...state, destinations }, Math.max(state.updatedAt, v.at));
    }),
    input(reports.name, reports.codec, (ctx, r) => {
      const state = ctx.value() ?? emptyDetectorState(ctx.key, r.at);
      if (r.by === ctx.key || state.reporters.includes(r.by)) return;
      // Weighed by what the reporter had from this user: small talk only, or a link, a number,
      // an address (or nothing we know of: then the report is about the profile).
      const smallTalk =
        peerFlag(state.recipients, r.by) !== undefined && !(state.linked ?? []).includes(r.by);
      const smallTalkReporters = state.smallTalkReporters ?? [];
      evaluate(
        ctx,
        {
          ...state,
          reporters: [...state.reporters, r.by].slice(-100),
          smallTalkReporters: smallTalk ? [...smallTalkReporters, r.by].slice(-100) : smallTalkReporters,
        },
        r.at,
      );
    }),
    input(spamBlockEvents.name, spamBlockEvents.codec, (ctx, e) => {
      const state = ctx.value() ?? emptyDetectorState(ctx.key, e.at);
      if (e.type === 'block') {
        // Our own block came back: the emit was acknowledged; stop repeating it.
        if (e.by === 'detector' && state.flagged && !state.flagged.confirmed) {
          ctx.setValue({ ...state, flagged: { ...state.flagged, confirmed: true } });
        }
        return;
      }
      if (e.type === 'verify') {
        ctx.setValue({ ...state, verified: true, flagged: null, updatedAt: e.at });
      } else if (e.type === 'unblock') {
        ctx.setValue({
          ...state,
          flagged: null,
          distinct: 0,
          replied: 0,
          recipients: {},
          recent: [],
          reporters: [],
          smallTalkReporters: [],
          linked: [],
          opened: [],
          destinations: {},
          rate: { count: 0, at: e.at },
          score: 0,
          updatedAt: e.at,
        });
      }
    }),
    output(spamBlockEvents.name, spamBlockEvents.codec),
    output(destinationEvents.name, destinationEvents.codec),
  );
}
