import { messagesSent, spamBlockEvents } from '@showcase/contracts';
import { type Context, defineGroup, input, json, loopback, output, persist } from '@showcase/goka';
import { classify, type DetectorConfig, decay, explain, features, score } from '../features.ts';
import type { DetectorLoop, DetectorState } from '../model.ts';
import { groups, reports } from '../topics.ts';

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
    score: 0,
    features: { fanout: 0, noReply: 0, duplicate: 0, links: 0, cold: 0, rate: 0, reports: 0 },
    flagged: null,
    verified: false,
    updatedAt: now,
  };
}

/** Adds a peer; forgets the oldest ones beyond `max` (objects keep insertion order). */
function remember<T extends 0 | 1>(
  peers: Record<string, T>,
  id: string,
  value: T,
  max: number,
): Record<string, T> {
  const next = { ...peers, [id]: value };
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
  const evaluate = (ctx: Ctx, state: DetectorState, now: number) => {
    const f = features(state, now, config);
    const s = score(f);
    let next: DetectorState = { ...state, features: f, score: s, updatedAt: now };
    if (!next.verified && !next.flagged) {
      const reported = next.reporters.length >= config.reportThreshold;
      const detected = next.sent >= config.minMessages && s >= config.threshold;
      if (reported || detected) {
        const source = reported ? 'report' : 'detector';
        next = { ...next, flagged: { at: now, score: s, source } };
        ctx.emit(spamBlockEvents.name, ctx.key, {
          type: 'block',
          // Derived from the input position: a reprocessed message emits the same event id.
          id: `det-${ctx.topic}-${ctx.partition}-${ctx.offset}`,
          user: ctx.key,
          by: 'detector',
          at: now,
          source,
          reason: reported ? `reported by ${next.reporters.length} users` : explain(next, f, s),
          score: s,
        });
      }
    }
    ctx.setValue(next);
  };

  return defineGroup<DetectorState, DetectorLoop>(
    groups.detector,
    persist(json<DetectorState>()),
    loopback(json<DetectorLoop>(), (ctx, m) => {
      const state = ctx.value() ?? emptyDetectorState(ctx.key, m.at);
      if (m.type === 'received') {
        ctx.setValue({
          ...state,
          received: state.received + 1,
          senders:
            m.from in state.senders ? state.senders : remember(state.senders, m.from, 0, config.maxPeers),
          updatedAt: m.at,
        });
        return;
      }
      // m.by wrote back to this user: counts once per recipient.
      if (state.recipients[m.by] !== 0) return;
      evaluate(
        ctx,
        { ...state, recipients: { ...state.recipients, [m.by]: 1 }, replied: state.replied + 1 },
        m.at,
      );
    }),
    input(messagesSent.name, messagesSent.codec, (ctx, m) => {
      const now = m.sentAt;
      const state = ctx.value() ?? emptyDetectorState(ctx.key, now);
      const to = m.to;
      const cold = !(to in state.senders);
      let { recipients, senders, distinct } = state;
      if (!(to in recipients)) {
        recipients = remember(recipients, to, 0, config.maxPeers);
        distinct++;
      }
      if (senders[to] === 0) {
        senders = { ...senders, [to]: 1 };
        ctx.loopback(to, { type: 'replied', by: ctx.key, at: now });
      }
      ctx.loopback(to, { type: 'received', from: ctx.key, at: now });
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
        },
        now,
      );
    }),
    input(reports.name, reports.codec, (ctx, r) => {
      const state = ctx.value() ?? emptyDetectorState(ctx.key, r.at);
      if (r.by === ctx.key || state.reporters.includes(r.by)) return;
      evaluate(ctx, { ...state, reporters: [...state.reporters, r.by].slice(-100) }, r.at);
    }),
    input(spamBlockEvents.name, spamBlockEvents.codec, (ctx, e) => {
      const state = ctx.value() ?? emptyDetectorState(ctx.key, e.at);
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
          rate: { count: 0, at: e.at },
          score: 0,
          updatedAt: e.at,
        });
      }
      // Blocks (our own included) change nothing here: `flagged` was set when we emitted.
    }),
    output(spamBlockEvents.name, spamBlockEvents.codec),
  );
}
