import { describe, expect, it } from 'vitest';
import { createTester, json } from '../src/index.ts';
import { type BlockEvent, type Message, messagingGroups, reference, scenario } from './support/messaging.ts';

describe("Goka's messaging example on the tester", () => {
  it('gives the same blocked users, counters and inboxes as a sequential computation', async () => {
    const t = createTester({ partitions: 3 });
    const g = messagingGroups();
    for (const group of [g.blocker, g.translator, g.collector, g.detector, g.filter])
      await t.processor(group);
    const blockEvents = t.track(g.topics.block, json<BlockEvent>());

    const events = scenario();
    for (const e of events) {
      if (e.kind === 'message') await t.consume(g.topics.sent, e.message.from, e.message);
      else if (e.kind === 'block')
        await t.consume(g.topics.block, e.user, e.unblock ? { unblock: true } : {});
      else await t.consume(g.topics.translate, e.word, { word: e.word, translation: e.translation });
    }

    const expected = reference(events);
    for (const [user, counters] of expected.counters)
      expect(t.tableValue(g.detector, user), user).toEqual(counters);
    for (const [user, blocked] of expected.blocked) {
      expect(t.tableValue(g.blocker, user)?.blocked ?? false, user).toBe(blocked);
    }
    for (const [user, inbox] of expected.inboxes)
      expect(t.tableValue(g.collector, user), user).toEqual(inbox);
    // The scenario is meant to exercise all paths: the spammer got blocked by the detector,
    // dan was blocked and unblocked by hand, translations happened.
    expect(expected.blocked.get('spammer')).toBe(true);
    expect(expected.blocked.get('dan')).toBe(false);
    const delivered = [...expected.inboxes.keys()].flatMap(
      (u) => t.tableValue<Message[]>(g.collector, u) ?? [],
    );
    expect(delivered.some((m) => m.content === 'hello world')).toBe(true);
    // Spam after the block never arrived: the last spam delivered is the one that tripped it.
    const spam = delivered.filter((m) => m.from === 'spammer').map((m) => Number(m.content.split(' ')[2]));
    expect(Math.max(...spam)).toBeLessThan(229);
    expect(blockEvents.all().filter((e) => e.key === 'spammer').length).toBeGreaterThan(0);
    await t.stop();
  });
});
