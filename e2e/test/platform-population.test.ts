import { SPAMMER_KINDS } from '@showcase/anti-spam/sim';
import { describe, expect, it } from 'vitest';
import { ARCHETYPES } from '../src/platform-simulator/oracles.ts';
import {
  buildPopulation,
  EventStream,
  type PlatformEvent,
  type PlatformUser,
} from '../src/platform-simulator/population.ts';

/**
 * The platform simulator's one population: the ground truths every service's figure is judged by
 * must actually be planted in the stream the services receive.
 */
const make = (seed = 7, users = 120) => {
  const { users: list, random, accounts } = buildPopulation({ users, spamRatio: 0.06, seed, prefix: 't-' });
  return { users: list, stream: new EventStream(list, random, accounts, seed) };
};

function run(stream: EventStream, rounds: number): PlatformEvent[] {
  const events = stream.join();
  for (let i = 0; i < rounds; i++) {
    const round = stream.round();
    // Every message is accepted here: the recipients may answer later.
    for (const e of round) if ('text' in e) stream.delivered(e);
    events.push(...round);
  }
  return events;
}

const isOwnAction = (e: PlatformEvent) => !('read' in e);
const target = (e: PlatformEvent) => ('to' in e ? e.to : undefined);

describe('platform population', () => {
  it('is the same stream for the same seed, and another for another seed', () => {
    const a = run(make(7).stream, 5);
    expect(run(make(7).stream, 5)).toEqual(a);
    expect(run(make(8).stream, 5)).not.toEqual(a);
  });

  it('has spammers and every archetype among the normal users, each with friends and a profile', () => {
    const { users } = make();
    const spammers = users.filter((u) => u.spammer);
    // 7 operators of anti-spam's kinds; a returner's further accounts come on top.
    expect(spammers.length).toBe(9);
    for (const s of spammers) expect(SPAMMER_KINDS).toContain(s.spamKind);
    expect(new Set(spammers.map((s) => s.spamKind)).size).toBe(7);
    const normals = users.filter((u) => !u.spammer);
    for (let a = 0; a < ARCHETYPES.length; a++)
      expect(normals.filter((u) => u.archetype === a).length).toBeGreaterThan(15);
    for (const u of normals) expect(u.friends.length).toBeGreaterThan(0);
    expect(new Set(users.map((u) => u.id)).size).toBe(users.length);
  });

  it('joins every user to match-search, then never sends an event to the actor itself or a stranger id', () => {
    const { users, stream } = make();
    const joined = stream.join();
    expect(joined.length).toBe(users.length * 3);
    const ids = new Set(users.map((u) => u.id));
    for (const e of run(stream, 30)) {
      expect(ids.has(e.actor)).toBe(true);
      const to = target(e);
      if (to !== undefined) {
        expect(to).not.toBe(e.actor);
        expect(ids.has(to)).toBe(true);
      }
    }
  });

  it("plants each archetype's mix in the own actions (segmentation's ground truth)", () => {
    const { users, stream } = make();
    const byId = new Map(users.map((u) => [u.id, u]));
    const events = run(stream, 60).filter(isOwnAction);
    const share = (archetype: string, pick: (e: PlatformEvent) => boolean) => {
      const a = ARCHETYPES.findIndex((x) => x.name === archetype);
      const own = events.filter((e) => byId.get(e.actor)!.archetype === a);
      return own.filter(pick).length / own.length;
    };
    const messages = (e: PlatformEvent) => e.service === 'anti-spam';
    const swipes = (e: PlatformEvent) => 'type' in e && (e.type === 'like' || e.type === 'pass');
    const moves = (e: PlatformEvent) => 'update' in e && e.update.type === 'location';
    expect(share('chatter', messages)).toBeGreaterThan(3 * share('swiper', messages));
    expect(share('swiper', swipes)).toBeGreaterThan(3 * share('chatter', swipes));
    expect(share('traveller', moves)).toBeGreaterThan(3 * share('browser', moves));
  });

  it("plants tastes: likes go to preferred kinds far more than passes do, one decision per pair (recommender's ground truth)", () => {
    const { users, stream } = make();
    const byId = new Map(users.map((u) => [u.id, u]));
    const decisions = run(stream, 60).filter(
      (e): e is Extract<PlatformEvent, { type: string }> =>
        'type' in e && (e.type === 'like' || e.type === 'pass' || e.type === 'block'),
    );
    const pairs = decisions.map((e) => `${e.actor}>${e.to}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    const preferredShare = (type: string) => {
      const list = decisions.filter((e) => e.type === type);
      const fits = (e: (typeof list)[number]) => byId.get(e.actor)!.prefers.has(byId.get(e.to)!.kind);
      return list.filter(fits).length / list.length;
    };
    // 2 of 6 kinds are preferred: a third of random picks. Measured (seed 7, 60 rounds): likes
    // 0.63, passes 0.17 (likes fall back to other kinds as the preferred candidates run out).
    expect(preferredShare('like')).toBeGreaterThan(0.5);
    expect(preferredShare('pass')).toBeLessThan(0.25);
    expect(preferredShare('like')).toBeGreaterThan(2.5 * preferredShare('pass'));
  });

  it("sends spam only from spammers, to normal users (anti-spam's ground truth), and answers spam hardly ever", () => {
    const { users, stream } = make();
    const byId = new Map<string, PlatformUser>(users.map((u) => [u.id, u]));
    const messages = run(stream, 40).filter((e) => 'text' in e) as Extract<PlatformEvent, { text: string }>[];
    for (const m of messages) {
      expect(m.spam).toBe(byId.get(m.actor)!.spammer);
      if (m.spam) expect(byId.get(m.to)!.spammer).toBe(false);
    }
    const answersToSpammers = messages.filter((m) => !m.spam && byId.get(m.to)!.spammer).length;
    const spam = messages.filter((m) => m.spam).length;
    expect(spam).toBeGreaterThan(100);
    // Two-step and scripted spammers' small talk is answered like a stranger's chat (0.4), by
    // design; their links and every other spam hardly ever (0.03).
    expect(answersToSpammers).toBeLessThan(spam * 0.25);
  });
});
