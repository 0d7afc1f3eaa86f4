import { haversineKm } from '@showcase/geo';
import { describe, expect, it } from 'vitest';
import {
  applyLocation,
  applyMessageReceived,
  applyMessageSent,
  applyOwn,
  applyPresence,
  applyReceived,
  closeIdleSession,
  decayFactor,
  emptyFeatureState,
  FEATURE_NAMES,
  type FeatureConfig,
  featureVector,
  namedFeatures,
} from '../src/features.ts';

const config: FeatureConfig = {
  halfLifeEvents: 10,
  minEvents: 5,
  sampleEvery: 2,
  maxPending: 3,
  sessionGapMs: 30 * 60_000,
};
const T0 = Date.UTC(2026, 0, 1, 0, 0);
const feature = (s: ReturnType<typeof emptyFeatureState>, name: string) =>
  featureVector(s)[FEATURE_NAMES.indexOf(name)]!;

describe('features (pure folds)', () => {
  it('shares are exponentially weighted means over own events with the configured half-life', () => {
    let s = emptyFeatureState('u', T0);
    for (let i = 0; i < 10; i++) s = applyOwn(s, T0, 'like', {}, config);
    expect(feature(s, 'likes')).toBeCloseTo(1, 12);
    // Ten passes = one half-life: the likes weigh 2^-1 of what they weighed.
    for (let i = 0; i < 10; i++) s = applyOwn(s, T0, 'pass', {}, config);
    const a = decayFactor(10);
    const likeSum = (a ** 10 * (1 - a ** 10)) / (1 - a);
    const passSum = (1 - a ** 10) / (1 - a);
    expect(feature(s, 'likes')).toBeCloseTo(likeSum / (likeSum + passSum), 12);
    expect(feature(s, 'passes')).toBeCloseTo(passSum / (likeSum + passSum), 12);
    expect(likeSum / (likeSum + passSum)).toBeCloseTo(1 / 3, 2); // half the weight of the passes
    expect(s.events).toBe(20);
  });

  it('a changed behaviour dominates after about 100 own events (half-life 25)', () => {
    const c = { ...config, halfLifeEvents: 25 };
    let s = emptyFeatureState('u', T0);
    for (let i = 0; i < 500; i++) s = applyOwn(s, T0, 'like', {}, c);
    for (let i = 0; i < 100; i++) s = applyOwn(s, T0, 'visit', {}, c);
    expect(feature(s, 'likes')).toBeCloseTo(2 ** -4, 2);
    expect(feature(s, 'visits')).toBeCloseTo(1 - 2 ** -4, 2);
  });

  it('received things add without a decay step; per-event features are ln(1 + received / own events)', () => {
    let s = emptyFeatureState('u', T0);
    s = applyOwn(s, T0, 'visit', {}, config);
    s = applyOwn(s, T0, 'visit', {}, config);
    for (let i = 0; i < 6; i++) s = applyReceived(s, T0, 'like');
    s = applyReceived(s, T0, 'visit');
    s = applyReceived(s, T0, 'match');
    const w = 1 * decayFactor(10) + 1;
    expect(feature(s, 'likesReceived')).toBeCloseTo(Math.log1p(6 / w), 12);
    expect(feature(s, 'visitsReceived')).toBeCloseTo(Math.log1p(1 / w), 12);
    expect(feature(s, 'matches')).toBeCloseTo(Math.log1p(1 / w), 12);
    expect(s.events).toBe(2);
    // The next own event decays them with everything else.
    const next = applyOwn(s, T0, 'visit', {}, config);
    expect(next.sums.received.like).toBeCloseTo(6 * decayFactor(10), 12);
  });

  it('reply rate: a message to someone who wrote first is a reply (once); prior of one half-answered message', () => {
    let s = emptyFeatureState('b', T0);
    expect(feature(s, 'replyRate')).toBeCloseTo(0.5, 12);
    s = applyMessageReceived(s, 'a', T0, config);
    s = applyMessageReceived(s, 'a', T0, config); // same sender again: still one pending thread
    s = applyMessageReceived(s, 'c', T0, config);
    expect(s.pending).toEqual(['a', 'c']);
    s = applyMessageSent(s, 'a', T0, config);
    expect(s.pending).toEqual(['c']);
    s = applyMessageSent(s, 'a', T0, config); // not a reply any more
    const a = decayFactor(10);
    const replies = 1 * a; // the reply, decayed by the second message
    const received = 3 * a * a;
    expect(feature(s, 'replyRate')).toBeCloseTo(Math.min(1, (replies + 0.5) / (received + 1)), 12);
    expect(feature(s, 'messages')).toBeCloseTo(1, 12);
    expect(feature(s, 'messagesReceived')).toBeCloseTo(Math.log1p(received / (a + 1)), 12);
  });

  it('pending senders are bounded (oldest forgotten)', () => {
    let s = emptyFeatureState('b', T0);
    for (const from of ['a', 'c', 'd', 'e']) s = applyMessageReceived(s, from, T0, config);
    expect(s.pending).toEqual(['c', 'd', 'e']);
  });

  it('distance moved: haversine between consecutive locations, per own event, ln(1 + km / events)', () => {
    const berlin = { lat: 52.52, lon: 13.405 };
    const paris = { lat: 48.8566, lon: 2.3522 };
    let s = emptyFeatureState('t', T0);
    s = applyLocation(s, berlin, T0, config);
    expect(s.sums.km).toBe(0);
    s = applyLocation(s, paris, T0 + 1000, config);
    const km = haversineKm(berlin, paris);
    expect(km).toBeGreaterThan(870);
    expect(s.sums.km).toBeCloseTo(km, 9);
    expect(feature(s, 'kmMoved')).toBeCloseTo(Math.log1p(km / (decayFactor(10) + 1)), 12);
    expect(feature(s, 'moves')).toBeCloseTo(1, 12);
    expect(s.location).toEqual(paris);
  });

  it('presence sessions: online opens, offline closes and counts the minutes; prior of one empty session', () => {
    let s = emptyFeatureState('p', T0);
    s = applyPresence(s, true, T0, config);
    s = applyPresence(s, true, T0 + 60_000, config); // already online: the session keeps its start
    expect(s.onlineSince).toBe(T0);
    s = applyPresence(s, false, T0 + 30 * 60_000, config);
    expect(s.onlineSince).toBeNull();
    expect(s.sums.sessions).toBeCloseTo(1, 12);
    expect(s.sums.sessionMinutes).toBeCloseTo(30, 12);
    expect(feature(s, 'sessionMinutes')).toBeCloseTo(Math.log1p(30 / 2), 12);
    s = applyPresence(s, false, T0 + 40 * 60_000, config); // offline twice: no second session
    expect(s.sums.sessions).toBeCloseTo(decayFactor(10), 12);
    expect(feature(s, 'presence')).toBeCloseTo(1, 12);
  });

  it('an idle session (no own event for the gap) ends at its last event, without a decay step', () => {
    let s = applyPresence(emptyFeatureState('q', T0), true, T0, config);
    s = applyOwn(s, T0 + 7 * 60_000, 'like', {}, config);
    expect(closeIdleSession(s, T0 + 36 * 60_000, config)).toBe(s); // 29 minutes idle: still open
    const closed = closeIdleSession(s, T0 + 37 * 60_000, config);
    expect(closed.onlineSince).toBeNull();
    expect(closed.sums.sessions).toBeCloseTo(1, 12);
    expect(closed.sums.sessionMinutes).toBeCloseTo(7, 12);
    expect(closed.sums.w).toBe(s.sums.w); // not an own event
    expect(closeIdleSession(closed, T0 + 90 * 60_000, config)).toBe(closed); // offline: nothing to close
  });

  it('activity hours: mean sin/cos of the UTC hour angle; tenure: ln(1 + days between first and last event)', () => {
    let s = emptyFeatureState('h', T0);
    s = applyOwn(s, Date.UTC(2026, 0, 1, 6), null, {}, config); // 06:00 → angle π/2
    expect(feature(s, 'hourSin')).toBeCloseTo(1, 12);
    expect(feature(s, 'hourCos')).toBeCloseTo(0, 12);
    s = applyOwn(s, Date.UTC(2026, 0, 3, 18), null, {}, config); // 18:00 → angle 3π/2
    const a = decayFactor(10);
    expect(feature(s, 'hourSin')).toBeCloseTo((a - 1) / (a + 1), 12);
    expect(feature(s, 'tenureDays')).toBeCloseTo(Math.log1p(2.75), 12);
  });

  it('namedFeatures names every feature, rounded', () => {
    const named = namedFeatures(featureVector(applyOwn(emptyFeatureState('x', T0), T0, 'block', {}, config)));
    expect(Object.keys(named)).toEqual([...FEATURE_NAMES]);
    expect(named.blocks).toBe(1);
  });
});
