import {
  interactions,
  matchEvents,
  messagesSent,
  type SegmentChanged,
  segmentChanges,
  userUpdates,
} from '@showcase/contracts';
import {
  type Codec,
  type Context,
  defineGroup,
  input,
  json,
  lookup,
  loopback,
  output,
  persist,
  type TimerContext,
  tableTopic,
  timer,
} from '@showcase/goka';
import {
  applyLocation,
  applyMessageReceived,
  applyMessageSent,
  applyOwn,
  applyPresence,
  applyReceived,
  closeIdleSession,
  emptyFeatureState,
  FEATURE_FLOORS,
  type FeatureConfig,
  type FeatureState,
  featureVector,
  round,
} from '../features.ts';
import type { ModelPoint } from '../model/learn.ts';
import { assign, type ModelState } from '../model/state.ts';
import { defaultTopology, type FeatureLoop, MODEL_KEY, points, type Topology, tables } from '../topics.ts';

type Ctx = Context<FeatureState, FeatureLoop>;

/**
 * A JSON codec that remembers the last value it decoded: every lookup of the model row decodes
 * the same bytes until the model changes, and a model is a few kB of JSON.
 */
export function memoizedJson<T>(): Codec<T> {
  const inner = json<T>();
  let lastRaw: Buffer | undefined;
  let lastValue: T | undefined;
  return {
    name: 'json (memoized)',
    encode: inner.encode,
    decode: (data) => {
      if (lastRaw?.equals(data)) return lastValue as T;
      lastValue = inner.decode(data);
      lastRaw = Buffer.from(data);
      return lastValue;
    },
  };
}

/**
 * Per user (key = user id): the decayed feature sums of `features.ts`, folded from every
 * service's events. What the user received arrives through the loopback (messages and
 * interactions are keyed by their sender). Every `sampleEvery` own events (once it has
 * `minEvents`) the user is assigned to the nearest segment of the current model — read through a
 * lookup, i.e. a view of the model row that every instance keeps — a `segment-changed` event is
 * emitted when the segment changes, and the feature vector goes to the model group as a point.
 * Sampling keeps the single-key model group at a fraction of the event rate. A presence session
 * idle for `sessionGapMs` is closed at its last event (by the next event, or by the
 * `close-idle-sessions` stream-time timer for users who never come back).
 */
export function featuresGroup(config: FeatureConfig, topology: Topology = defaultTopology) {
  const modelLookup = lookup(tableTopic(topology.model), memoizedJson<ModelState>());
  const changes = output(topology.changes, segmentChanges.codec);
  const toModel = output(topology.points, points.codec);

  const predict = async (ctx: Ctx, state: FeatureState, at: number): Promise<FeatureState> => {
    const due =
      state.events >= config.minEvents && (state.events - config.minEvents) % config.sampleEvery === 0;
    if (!due) return state;
    const x = featureVector(state).map((v) => round(v, 8));
    const model = await ctx.lookup(modelLookup, MODEL_KEY);
    const a = model ? assign(model, x, FEATURE_FLOORS) : undefined;
    let next: FeatureState = { ...state, vector: x };
    let move: ModelPoint['move'];
    if (a) {
      next = { ...next, confidence: round(a.confidence, 4) };
      if (a.segment !== state.segment) {
        move = { from: state.segment, to: a.segment };
        next = { ...next, segment: a.segment, previous: state.segment, segmentAt: at };
        const event: SegmentChanged = {
          // Derived from the input position: a reprocessed message emits the same event id.
          id: `seg-${ctx.topic}-${ctx.partition}-${ctx.offset}`,
          user: ctx.key,
          segment: a.segment,
          previous: state.segment,
          confidence: next.confidence,
          at,
        };
        ctx.emit(changes, ctx.key, event);
      }
    }
    ctx.emit(toModel, MODEL_KEY, { user: ctx.key, x, at, ...(move ? { move } : {}) });
    return next;
  };

  const own = async (ctx: Ctx, at: number, fold: (s: FeatureState) => FeatureState) => {
    const before = ctx.value();
    const state = fold(before ? closeIdleSession(before, at, config) : emptyFeatureState(ctx.key, at));
    ctx.setValue(await predict(ctx, state, at));
  };

  // Users who went quiet while online (no "offline" ever came) get their session closed even if
  // they never come back; the sweep runs on stream time, so a replay closes the same sessions.
  const closeIdleSessions = (t: TimerContext<FeatureState, FeatureLoop>) =>
    t.visit((ctx) => {
      const state = ctx.value();
      if (!state || state.onlineSince === null) return;
      const next = closeIdleSession(state, t.streamTime, config);
      if (next !== state) ctx.setValue(next);
    });

  return defineGroup<FeatureState, FeatureLoop>(
    topology.features,
    persist(tables.features.codec),
    loopback(json<FeatureLoop>(), (ctx, m) => {
      const state = ctx.value() ?? emptyFeatureState(ctx.key, m.at);
      if (m.type === 'message-received') ctx.setValue(applyMessageReceived(state, m.from, m.at, config));
      else ctx.setValue(applyReceived(state, m.at, m.type === 'like-received' ? 'like' : 'visit'));
    }),
    input(topology.messages, messagesSent.codec, async (ctx, m) => {
      if (m.to === ctx.key) return;
      ctx.loopback(m.to, { type: 'message-received', from: ctx.key, at: m.sentAt });
      await own(ctx, m.sentAt, (s) => applyMessageSent(s, m.to, m.sentAt, config));
    }),
    input(topology.interactions, interactions.codec, async (ctx, i) => {
      if (i.to === ctx.key) return;
      switch (i.type) {
        case 'like':
        case 'visit':
          ctx.loopback(i.to, {
            type: i.type === 'like' ? 'like-received' : 'visit-received',
            from: ctx.key,
            at: i.at,
          });
          return own(ctx, i.at, (s) => applyOwn(s, i.at, i.type === 'like' ? 'like' : 'visit', {}, config));
        case 'message':
          ctx.loopback(i.to, { type: 'message-received', from: ctx.key, at: i.at });
          return own(ctx, i.at, (s) => applyMessageSent(s, i.to, i.at, config));
        case 'pass':
        case 'block':
          return own(ctx, i.at, (s) => applyOwn(s, i.at, i.type === 'pass' ? 'pass' : 'block', {}, config));
        default:
          // unlike / unblock: an own event of no counted kind.
          return own(ctx, i.at, (s) => applyOwn(s, i.at, null, {}, config));
      }
    }),
    input(topology.matches, matchEvents.codec, (ctx, e) => {
      if (e.type !== 'new-match') return;
      const at = Date.parse(e.at);
      const when = Number.isFinite(at) ? at : ctx.timestamp;
      ctx.setValue(applyReceived(ctx.value() ?? emptyFeatureState(ctx.key, when), when, 'match'));
    }),
    input(topology.users, userUpdates.codec, async (ctx, u) => {
      switch (u.type) {
        case 'location':
          return own(ctx, u.at, (s) => applyLocation(s, u.location, u.at, config));
        case 'presence':
          return own(ctx, u.at, (s) => applyPresence(s, u.online, u.at, config));
        default:
          return own(ctx, u.at, (s) => applyOwn(s, u.at, null, {}, config));
      }
    }),
    timer<FeatureState, FeatureLoop>(
      'close-idle-sessions',
      { every: sessionSweepMs(config), clock: 'stream' },
      async (t) => {
        await closeIdleSessions(t);
      },
    ),
    modelLookup,
    changes,
    toModel,
  );
}

/**
 * How often (in stream time) the timer looks for idle sessions: a quarter of the gap, at least a
 * minute — a session closes between one gap and 1.25 gaps after its last event, and each
 * partition's rows are walked at most once a minute of stream time.
 */
export const sessionSweepMs = (config: FeatureConfig): number =>
  Math.max(60_000, Math.round(config.sessionGapMs / 4));
