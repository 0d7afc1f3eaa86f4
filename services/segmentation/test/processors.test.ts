import {
  type Interaction,
  interactions,
  type MatchEvent,
  type MessageSent,
  matchEvents,
  messagesSent,
  type SegmentChanged,
  segmentChanges,
  type UserUpdate,
  userUpdates,
} from '@showcase/contracts';
import { haversineKm } from '@showcase/geo';
import { createTester, memoryStorage, Processor, type Tester } from '@showcase/goka';
import { afterEach, describe, expect, it } from 'vitest';
import { decayFactor, FEATURE_NAMES, type FeatureConfig, type FeatureState } from '../src/features.ts';
import type { ModelPoint } from '../src/model/learn.ts';
import { defaultModelConfig, type ModelState } from '../src/model/state.ts';
import { featuresGroup } from '../src/processors/features.ts';
import { modelGroup } from '../src/processors/model.ts';
import { labels, MODEL_KEY, points } from '../src/topics.ts';

/** A user update without id (and optionally without time); Omit per member of the union. */
type UpdateInput = UserUpdate extends infer U
  ? U extends UserUpdate
    ? Omit<U, 'id' | 'at'> & { at?: number }
    : never
  : never;

let tester: Tester;
afterEach(async () => {
  await tester?.stop();
});

const config: FeatureConfig = {
  halfLifeEvents: 10,
  minEvents: 4,
  sampleEvery: 2,
  maxPending: 8,
  sessionGapMs: 30 * 60_000,
};
const modelConfig = { ...defaultModelConfig, seed: 3 };
let clock = Date.UTC(2026, 0, 1, 12);
let seq = 0;
const tick = () => (clock += 1000);
const nextId = () => `e${++seq}`;

async function start(partitions = 3) {
  tester = createTester({ partitions });
  const model = modelGroup(modelConfig);
  const features = featuresGroup(config);
  // The model first: it creates the table the features group looks up.
  await tester.processor(model);
  await tester.processor(features);
  const send = (from: string, to: string) =>
    tester.consume<MessageSent>(messagesSent.name, from, {
      id: nextId(),
      from,
      to,
      text: 'hi',
      sentAt: tick(),
    });
  const interact = (from: string, to: string, type: Interaction['type']) =>
    tester.consume<Interaction>(interactions.name, from, { id: nextId(), from, to, type, at: tick() });
  const update = (u: UpdateInput) => {
    const at = u.at ?? tick();
    // The record's timestamp is the event's time, as the services emit them (stream time).
    return tester.consume(userUpdates.name, u.user, { id: nextId(), ...u, at } as UserUpdate, {
      timestamp: at,
    });
  };
  const state = (user: string) => tester.tableValue(features, user) as FeatureState | undefined;
  return { model, features, send, interact, update, state };
}

const f = (s: FeatureState | undefined, name: string) => s!.vector?.[FEATURE_NAMES.indexOf(name)];

describe('features group on the tester', () => {
  it('messages: the sender counts its own, the recipient hears of them by loopback and a reply is counted', async () => {
    const { send, state } = await start();
    await send('alice', 'bob');
    await send('alice', 'bob');
    expect(state('bob')!.sums.received.message).toBe(2);
    expect(state('bob')!.pending).toEqual(['alice']);
    await send('bob', 'alice');
    expect(state('bob')!.sums.replies).toBe(1);
    expect(state('bob')!.pending).toEqual([]);
    const alice = state('alice')!;
    expect(alice.events).toBe(2);
    expect(alice.sums.own.message).toBeCloseTo(1 + decayFactor(10), 12);
    expect(alice.sums.received.message).toBe(1);
    expect(alice.sums.replies).toBe(0); // alice wrote first: bob's answer is no reply of hers
  });

  it('interactions given and received; new matches; user updates (moves and sessions)', async () => {
    const { interact, update, state } = await start();
    await interact('a', 'b', 'like');
    await interact('a', 'c', 'visit');
    await interact('a', 'b', 'pass');
    await interact('a', 'd', 'block');
    await interact('a', 'b', 'unlike');
    await interact('a', 'a', 'like'); // to oneself: ignored
    const a = state('a')!;
    expect(a.events).toBe(5);
    const own = a.sums.own;
    expect([own.like, own.visit, own.pass, own.block].every((v) => v > 0 && v < 1)).toBe(true);
    expect(state('b')!.sums.received.like).toBe(1);
    expect(state('c')!.sums.received.visit).toBe(1);
    expect(state('d')).toBeUndefined(); // a block is not something the blocked user learns of

    const match = (type: MatchEvent['type']): MatchEvent => ({
      id: nextId(),
      type,
      user: 'b',
      other: 'a',
      at: new Date(tick()).toISOString(),
    });
    await tester.consume(matchEvents.name, 'b', match('new-match'));
    await tester.consume(matchEvents.name, 'b', match('match-ended'));
    expect(state('b')!.sums.received.match).toBe(1);

    const berlin = { lat: 52.52, lon: 13.405 };
    const hamburg = { lat: 53.55, lon: 9.99 };
    await update({ user: 't', type: 'location', location: berlin });
    await update({ user: 't', type: 'location', location: hamburg });
    expect(state('t')!.sums.km).toBeCloseTo(haversineKm(berlin, hamburg), 9);
    const t0 = tick();
    await update({ user: 't', type: 'presence', online: true, at: t0 });
    await update({ user: 't', type: 'presence', online: false, at: t0 + 10 * 60_000 });
    expect(state('t')!.sums.sessionMinutes).toBeCloseTo(10, 9);
    await update({
      user: 't',
      type: 'profile',
      profile: { age: 30, gender: 'female', seeking: ['male'], ageMin: 25, ageMax: 40 },
    });
    expect(state('t')!.events).toBe(5);
  });

  it('a session left open (no "offline") is closed at its last event by the stream-time timer', async () => {
    const { update, state } = await start(1);
    const t0 = Date.UTC(2026, 0, 2, 9);
    const min = 60_000;
    // Online, a profile edit 5 min later, then silence; online again two hours later.
    await update({ user: 'lazy', type: 'presence', online: true, at: t0 });
    await update({
      user: 'lazy',
      type: 'profile',
      profile: { age: 30, gender: 'female', seeking: ['male'], ageMin: 25, ageMax: 40 },
      at: t0 + 5 * min,
    });
    expect(state('lazy')!.onlineSince).toBe(t0);
    // The sweep: 'gone' goes online at t0 + 1 min, edits at t0 + 4 min and never comes back.
    await update({ user: 'gone', type: 'presence', online: true, at: t0 + min });
    await update({
      user: 'gone',
      type: 'profile',
      profile: { age: 40, gender: 'male', seeking: ['female'], ageMin: 30, ageMax: 50 },
      at: t0 + 4 * min,
    });
    // Another user's events move the partition's stream time; nothing closes before the gap.
    await update({ user: 'other', type: 'presence', online: true, at: t0 + 30 * min });
    expect(state('gone')!.onlineSince).toBe(t0 + min);
    // Past 'gone's last event + gap (+ a sweep interval): the timer closes both idle sessions.
    await update({ user: 'other', type: 'presence', online: false, at: t0 + 45 * min });
    for (const [user, minutes] of [
      ['gone', 3],
      ['lazy', 5],
    ] as const) {
      const s = state(user)!;
      expect(s.onlineSince, user).toBeNull();
      expect(s.sums.sessions, user).toBe(1);
      expect(s.sums.sessionMinutes, user).toBeCloseTo(minutes, 9);
    }
    // 'other' was closed by its own offline event (15 minutes), not by the sweep.
    expect(state('other')!.sums.sessionMinutes).toBeCloseTo(15, 9);
    // Coming back after the gap starts a new session from its own start: 10 minutes, not 130.
    const a = decayFactor(config.halfLifeEvents);
    await update({ user: 'lazy', type: 'presence', online: true, at: t0 + 120 * min });
    expect(state('lazy')!.onlineSince).toBe(t0 + 120 * min);
    await update({ user: 'lazy', type: 'presence', online: false, at: t0 + 130 * min });
    // Two own events (online, offline) decayed the first session before the second was added.
    expect(state('lazy')!.sums.sessions).toBeCloseTo(a * a + 1, 9);
    expect(state('lazy')!.sums.sessionMinutes).toBeCloseTo(5 * a * a + 10, 9);
  });

  it('samples points to the model every few own events, then assigns a segment and emits segment-changed', async () => {
    const { interact, state, model } = await start();
    const toModel = tester.track<ModelPoint>(points.name);
    const changes = tester.track<SegmentChanged>(segmentChanges.name);
    for (let i = 0; i < 3; i++) await interact('u', `x${i}`, 'like');
    expect(state('u')!.segment).toBeNull();
    const sent: ModelPoint[] = [];
    const drain = () => {
      const read = toModel.all();
      for (const m of read) {
        expect(m.key).toBe(MODEL_KEY);
        sent.push(m.value!);
      }
      return sent;
    };
    expect(drain()).toHaveLength(0);
    await interact('u', 'x3', 'like'); // 4th own event: minEvents reached, first point
    expect(drain()).toHaveLength(1);
    const first = sent[0]!;
    expect(first.user).toBe('u');
    expect(first.x[FEATURE_NAMES.indexOf('likes')]).toBeCloseTo(1, 6);
    expect(first.move).toBeUndefined(); // the model had no segment yet
    const row = tester.tableValue(model, MODEL_KEY) as ModelState;
    expect(row.points).toBe(1);
    expect(row.segments.map((s) => s.id)).toEqual([1]);
    await interact('u', 'x4', 'like'); // 5th: not sampled
    expect(drain()).toHaveLength(1);
    await interact('u', 'x5', 'like'); // 6th: sampled and assigned
    const s = state('u')!;
    expect(s.segment).toBe(1);
    expect(s.previous).toBeNull();
    expect(s.confidence).toBe(1);
    expect(f(s, 'likes')).toBeCloseTo(1, 6);
    expect(changes.all().map((m) => m.value)).toEqual([
      { id: expect.any(String), user: 'u', segment: 1, previous: null, confidence: 1, at: s.segmentAt },
    ]);
    expect(drain()).toHaveLength(2);
    expect(sent[1]!.move).toEqual({ from: null, to: 1 });
    expect((tester.tableValue(model, MODEL_KEY) as ModelState).segments[0]!.members).toBe(1);
  });

  it('the model row is recovered by a new instance from the changelog and learning continues', async () => {
    tester = createTester({ partitions: 3 });
    const model = modelGroup(modelConfig);
    for (const topic of [points.name, labels.name])
      tester.cluster.createTopic({ name: topic, partitions: 3 });
    tester.codec(points.name, points.codec);
    const point = (i: number): ModelPoint => ({
      user: `p${i}`,
      x: FEATURE_NAMES.map((_, d) => (d === i % 3 ? 1 : 0)),
      at: tick(),
    });
    const first = new Processor(model, { cluster: tester.cluster, storage: memoryStorage() });
    await first.start();
    try {
      for (let i = 0; i < 30; i++) await tester.consume(points.name, MODEL_KEY, point(i));
    } finally {
      await first.stop();
    }
    const before = tester.tableValue(model, MODEL_KEY) as ModelState;
    expect(before.points).toBe(30);
    // Another instance with an empty local store takes over: it recovers the row, then learns on.
    const second = new Processor(model, { cluster: tester.cluster, storage: memoryStorage() });
    await second.start();
    try {
      await tester.consume(points.name, MODEL_KEY, point(30));
      const after = tester.tableValue(model, MODEL_KEY) as ModelState;
      expect(after.points).toBe(31);
      expect(after.segments.map((s) => s.id)).toEqual(before.segments.map((s) => s.id));
      expect(after.statWeight).toBeGreaterThan(before.statWeight);
    } finally {
      await second.stop();
    }
  });
});
