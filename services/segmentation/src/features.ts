import { haversineKm, type LatLon } from '@showcase/geo';

/**
 * Per-user behaviour features, folded from every service's events.
 *
 * Decay is counted in the user's **own** events (what it did: a message, a swipe, a move, a
 * presence change, a profile edit), not in wall-clock time: each own event first multiplies every
 * decayed sum by α = 2^(-1/H) (H = half-life in own events), then adds its own contribution.
 * Things that happen *to* the user (messages, likes, visits received, matches) are added to the
 * same sums without a decay step of their own, so a popular but silent user does not forget its
 * own behaviour faster. After n new own events the old behaviour weighs α^n: with H = 25, 6 % after
 * 100 events — a user whose behaviour changes reaches its new segment within about 100 events.
 *
 * `w` is the decayed count of own events, so `share = sum / w` is an exponentially weighted mean
 * over the user's recent events. The formulas are listed in `FEATURES` (and in the README).
 */

/** What one own event counts as (besides being an own event). */
export type OwnKind = 'message' | 'like' | 'pass' | 'visit' | 'block' | 'location' | 'presence';
/** What can happen to a user. */
export type ReceivedKind = 'message' | 'like' | 'visit' | 'match';

export interface DecayedSums {
  /** Decayed count of own events (the normaliser of every share). */
  w: number;
  own: Record<OwnKind, number>;
  received: Record<ReceivedKind, number>;
  /** Own messages that answered someone who wrote first (decayed). */
  replies: number;
  /** Kilometres moved between consecutive location updates (decayed). */
  km: number;
  /** Completed presence sessions and their minutes (decayed). */
  sessions: number;
  sessionMinutes: number;
  /** Σ sin / cos of the UTC hour angle of own events (decayed): the activity hours. */
  hourSin: number;
  hourCos: number;
}

export interface FeatureState {
  readonly user: string;
  /** Own events ever (not decayed): segment is null below the configured minimum. */
  events: number;
  firstAt: number;
  lastAt: number;
  sums: DecayedSums;
  /** Last known location (for the distance moved). */
  location: LatLon | null;
  /** Start of the current presence session, ms; null when offline. */
  onlineSince: number | null;
  /** Users who wrote to this one and got no answer yet (oldest first, bounded). */
  pending: string[];
  /** Current prediction (null until enough events). */
  segment: number | null;
  previous: number | null;
  confidence: number;
  /** When the current segment was assigned, ms. */
  segmentAt: number | null;
  /** The feature vector at the last assignment (same order as FEATURES). */
  vector: number[] | null;
}

export interface FeatureConfig {
  /** Half-life of every decayed sum, in the user's own events. */
  readonly halfLifeEvents: number;
  /** Own events before a user is assigned a segment. */
  readonly minEvents: number;
  /** A point goes to the model (and the user is re-assigned) every `sampleEvery` own events. */
  readonly sampleEvery: number;
  /** Senders remembered while waiting for a reply. */
  readonly maxPending: number;
  /**
   * A presence session with no own event for this long is over, ended at its last event: an app
   * killed without its "offline" (the common case on phones) must not count as one session of
   * days. Closed lazily by the user's next event and by the group's stream-time timer.
   */
  readonly sessionGapMs: number;
}

export const defaultFeatureConfig: FeatureConfig = {
  halfLifeEvents: 25,
  minEvents: 20,
  sampleEvery: 5,
  maxPending: 32,
  sessionGapMs: 30 * 60_000,
};

const zeroOwn = (): Record<OwnKind, number> => ({
  message: 0,
  like: 0,
  pass: 0,
  visit: 0,
  block: 0,
  location: 0,
  presence: 0,
});

export function emptyFeatureState(user: string, at: number): FeatureState {
  return {
    user,
    events: 0,
    firstAt: at,
    lastAt: at,
    sums: {
      w: 0,
      own: zeroOwn(),
      received: { message: 0, like: 0, visit: 0, match: 0 },
      replies: 0,
      km: 0,
      sessions: 0,
      sessionMinutes: 0,
      hourSin: 0,
      hourCos: 0,
    },
    location: null,
    onlineSince: null,
    pending: [],
    segment: null,
    previous: null,
    confidence: 0,
    segmentAt: null,
    vector: null,
  };
}

/** Per-event decay factor α for a half-life of `halfLife` events. */
export const decayFactor = (halfLife: number): number => 2 ** (-1 / halfLife);

function scaleSums(s: DecayedSums, a: number): DecayedSums {
  const own = zeroOwn();
  for (const k of Object.keys(own) as OwnKind[]) own[k] = s.own[k] * a;
  return {
    w: s.w * a,
    own,
    received: {
      message: s.received.message * a,
      like: s.received.like * a,
      visit: s.received.visit * a,
      match: s.received.match * a,
    },
    replies: s.replies * a,
    km: s.km * a,
    sessions: s.sessions * a,
    sessionMinutes: s.sessionMinutes * a,
    hourSin: s.hourSin * a,
    hourCos: s.hourCos * a,
  };
}

const HOUR_MS = 3_600_000;

/** Extra contributions one own event may carry besides its kind. */
export interface OwnExtras {
  readonly replies?: number;
  readonly km?: number;
  readonly sessions?: number;
  readonly sessionMinutes?: number;
}

/**
 * One own event: decay every sum by α, count the event (w, its kind, its hour), add the extras.
 * `kind` null = an own event of no counted kind (profile edit, unlike, unblock).
 */
export function applyOwn(
  state: FeatureState,
  at: number,
  kind: OwnKind | null,
  extras: OwnExtras,
  config: FeatureConfig,
): FeatureState {
  const s = scaleSums(state.sums, decayFactor(config.halfLifeEvents));
  s.w += 1;
  if (kind) s.own[kind] += 1;
  const angle = (((at % (24 * HOUR_MS)) + 24 * HOUR_MS) % (24 * HOUR_MS)) / (24 * HOUR_MS);
  s.hourSin += Math.sin(2 * Math.PI * angle);
  s.hourCos += Math.cos(2 * Math.PI * angle);
  s.replies += extras.replies ?? 0;
  s.km += extras.km ?? 0;
  s.sessions += extras.sessions ?? 0;
  s.sessionMinutes += extras.sessionMinutes ?? 0;
  return {
    ...state,
    events: state.events + 1,
    firstAt: Math.min(state.firstAt, at),
    lastAt: Math.max(state.lastAt, at),
    sums: s,
  };
}

/** Something happened to the user: added without a decay step. */
export function applyReceived(state: FeatureState, at: number, kind: ReceivedKind): FeatureState {
  return {
    ...state,
    firstAt: Math.min(state.firstAt, at),
    sums: { ...state.sums, received: { ...state.sums.received, [kind]: state.sums.received[kind] + 1 } },
  };
}

/** The user sent a message to `to`: a reply when `to` wrote first and got no answer yet. */
export function applyMessageSent(state: FeatureState, to: string, at: number, config: FeatureConfig) {
  const index = state.pending.indexOf(to);
  const replied = index >= 0;
  const next = applyOwn(state, at, 'message', { replies: replied ? 1 : 0 }, config);
  return replied ? { ...next, pending: state.pending.filter((_, i) => i !== index) } : next;
}

/** `from` wrote to the user: counted as received and remembered until the user answers. */
export function applyMessageReceived(state: FeatureState, from: string, at: number, config: FeatureConfig) {
  const next = applyReceived(state, at, 'message');
  if (state.pending.includes(from)) return next;
  return { ...next, pending: [...state.pending, from].slice(-config.maxPending) };
}

export function applyLocation(state: FeatureState, location: LatLon, at: number, config: FeatureConfig) {
  const km = state.location ? haversineKm(state.location, location) : 0;
  return {
    ...applyOwn(state, at, 'location', { km }, config),
    location: { lat: location.lat, lon: location.lon },
  };
}

/**
 * The user's open session if it went idle: no own event for `sessionGapMs` before `now`. It ends
 * at the last own event (the last moment the user is known to have been there) and counts as a
 * completed session, added without a decay step (it is not an own event). The same state when
 * nothing is to close.
 */
export function closeIdleSession(state: FeatureState, now: number, config: FeatureConfig): FeatureState {
  if (state.onlineSince === null || now - state.lastAt < config.sessionGapMs) return state;
  const minutes = Math.max(0, state.lastAt - state.onlineSince) / 60_000;
  return {
    ...state,
    onlineSince: null,
    sums: {
      ...state.sums,
      sessions: state.sums.sessions + 1,
      sessionMinutes: state.sums.sessionMinutes + minutes,
    },
  };
}

/** Going online opens a session; going offline closes it (its minutes count). */
export function applyPresence(state: FeatureState, online: boolean, at: number, config: FeatureConfig) {
  if (online) {
    const next = applyOwn(state, at, 'presence', {}, config);
    return { ...next, onlineSince: state.onlineSince ?? at };
  }
  const closed = state.onlineSince !== null;
  const minutes = closed ? Math.max(0, at - state.onlineSince!) / 60_000 : 0;
  const next = applyOwn(
    state,
    at,
    'presence',
    closed ? { sessions: 1, sessionMinutes: minutes } : {},
    config,
  );
  return { ...next, onlineSince: null };
}

/** A feature: its name, the formula in words (README, /docs), how it is computed, its scale floor. */
export interface FeatureSpec {
  readonly name: string;
  readonly formula: string;
  /**
   * Smallest standard deviation used when standardising: a feature that barely varies in the
   * population (all users active at the same hour) must not have its noise blown up.
   */
  readonly floor: number;
  readonly compute: (s: DecayedSums, state: FeatureState) => number;
}

const share = (part: number, s: DecayedSums) => (s.w > 0 ? part / s.w : 0);
const perEvent = (part: number, s: DecayedSums) => Math.log1p(share(part, s));

export const FEATURES: readonly FeatureSpec[] = [
  {
    name: 'messages',
    formula: 'own messages / own events',
    floor: 0.05,
    compute: (s) => share(s.own.message, s),
  },
  { name: 'likes', formula: 'likes given / own events', floor: 0.05, compute: (s) => share(s.own.like, s) },
  { name: 'passes', formula: 'passes given / own events', floor: 0.05, compute: (s) => share(s.own.pass, s) },
  {
    name: 'visits',
    formula: 'visits given / own events',
    floor: 0.05,
    compute: (s) => share(s.own.visit, s),
  },
  {
    name: 'blocks',
    formula: 'blocks given / own events',
    floor: 0.05,
    compute: (s) => share(s.own.block, s),
  },
  {
    name: 'moves',
    formula: 'location updates / own events',
    floor: 0.05,
    compute: (s) => share(s.own.location, s),
  },
  {
    name: 'presence',
    formula: 'presence changes / own events',
    floor: 0.05,
    compute: (s) => share(s.own.presence, s),
  },
  {
    name: 'replyRate',
    formula: 'min(1, (replies + 0.5) / (messages received + 1))  (a prior of one half-answered message)',
    floor: 0.1,
    compute: (s) => Math.min(1, (s.replies + 0.5) / (s.received.message + 1)),
  },
  {
    name: 'messagesReceived',
    formula: 'ln(1 + messages received / own events)',
    floor: 0.1,
    compute: (s) => perEvent(s.received.message, s),
  },
  {
    name: 'likesReceived',
    formula: 'ln(1 + likes received / own events)',
    floor: 0.1,
    compute: (s) => perEvent(s.received.like, s),
  },
  {
    name: 'visitsReceived',
    formula: 'ln(1 + visits received / own events)',
    floor: 0.1,
    compute: (s) => perEvent(s.received.visit, s),
  },
  {
    name: 'matches',
    formula: 'ln(1 + new matches / own events)',
    floor: 0.1,
    compute: (s) => perEvent(s.received.match, s),
  },
  {
    name: 'kmMoved',
    formula: 'ln(1 + km between consecutive locations / own events)',
    floor: 0.25,
    compute: (s) => perEvent(s.km, s),
  },
  {
    name: 'sessionMinutes',
    formula: 'ln(1 + minutes online / (completed sessions + 1))  (a prior of one empty session)',
    floor: 0.25,
    compute: (s) => Math.log1p(s.sessionMinutes / (s.sessions + 1)),
  },
  {
    name: 'hourSin',
    formula: 'mean sin(2π · UTC hour / 24) of own events',
    floor: 0.1,
    compute: (s) => share(s.hourSin, s),
  },
  {
    name: 'hourCos',
    formula: 'mean cos(2π · UTC hour / 24) of own events',
    floor: 0.1,
    compute: (s) => share(s.hourCos, s),
  },
  {
    name: 'tenureDays',
    formula: 'ln(1 + days from the first to the last event)  (not decayed)',
    floor: 0.25,
    compute: (_s, state) => Math.log1p(Math.max(0, state.lastAt - state.firstAt) / 86_400_000),
  },
];

export const FEATURE_NAMES: readonly string[] = FEATURES.map((f) => f.name);
export const FEATURE_FLOORS: readonly number[] = FEATURES.map((f) => f.floor);

/** The raw (unstandardised) feature vector, in FEATURES order. */
export function featureVector(state: FeatureState): number[] {
  return FEATURES.map((f) => f.compute(state.sums, state));
}

/** `{ name: value }` for the API (null-prototype: names are ours, but the habit is cheap). */
export function namedFeatures(vector: readonly number[]): Record<string, number> {
  const out = Object.create(null) as Record<string, number>;
  FEATURES.forEach((f, i) => {
    out[f.name] = round(vector[i] ?? 0);
  });
  return out;
}

export const round = (x: number, digits = 6): number => Number(x.toPrecision(digits));
