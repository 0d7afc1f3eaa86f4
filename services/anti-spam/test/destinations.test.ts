import { type MessageSent, messagesSent, spamBlockEvents } from '@showcase/contracts';
import { createTester, type Tester } from '@showcase/goka';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultDetectorConfig, destinationRule, destinationsOf, established } from '../src/features.ts';
import type { DestinationState, DetectorState } from '../src/model.ts';
import { destinationsGroup, reputationOf } from '../src/processors/destinations.ts';
import { detectorGroup } from '../src/processors/detector.ts';
import { reports } from '../src/topics.ts';

let tester: Tester;
afterEach(async () => {
  await tester?.stop();
});

let clock = 1_700_000_000_000;
let seq = 0;
const message = (from: string, to: string, text: string): MessageSent => {
  seq++;
  clock += 1000;
  return { id: `m${seq}`, from, to, text, sentAt: clock };
};

describe('destination features', () => {
  it('normalises link domains, e-mail addresses and phone numbers', () => {
    expect(destinationsOf('see https://www.Lucky-Dream42.top/join?ref=anna now').sort()).toEqual([
      'lucky-dream42.top',
    ]);
    expect(destinationsOf('mail anna12@Mail-Box.biz or call +44 7123 456 789').sort()).toEqual([
      'mail:anna12@mail-box.biz',
      'tel:123456789',
    ]);
    // Per-recipient paths and queries do not hide one campaign.
    expect(destinationsOf('http://x.xyz/p/1')).toEqual(destinationsOf('x.xyz/other?ref=2'));
    expect(destinationsOf('see you at 7, it costs 20 euros')).toEqual([]);
  });

  it('established: people wrote back, most of those it wrote to', () => {
    expect(established({ replied: 0, distinct: 0 })).toBe(false);
    expect(established({ replied: 1, distinct: 1 })).toBe(false);
    expect(established({ replied: 3, distinct: 4 })).toBe(true);
    expect(established({ replied: 4, distinct: 10 })).toBe(false);
  });

  it('the destination rule: bad reputation, or spread to people just contacted', () => {
    const config = defaultDetectorConfig;
    // Others wrote to it and it sent ham too: the first-links rule does not apply.
    const quiet = { sent: 10, received: 4 };
    const spread = { 'x.top': { to: ['a', 'b', 'c'] } };
    expect(destinationRule({ ...quiet, replied: 0, distinct: 3, destinations: spread }, config)).toMatch(
      /same destination x.top to 3 people/,
    );
    // A destination known to be good never spreads a sender into a block.
    const good = { 'youtube.com': { to: ['a', 'b', 'c'], reputation: 'good' as const } };
    expect(destinationRule({ ...quiet, replied: 0, distinct: 3, destinations: good }, config)).toBeNull();
    // Nor one that many accounts send (common).
    const common = { 'open.spotify.com': { to: ['a', 'b', 'c'], reputation: 'common' as const } };
    expect(destinationRule({ ...quiet, replied: 0, distinct: 3, destinations: common }, config)).toBeNull();
    const bad = {
      'x.top': { to: [], reputation: 'bad' as const, why: 'a destination that 1 blocked account also sent' },
    };
    expect(destinationRule({ ...quiet, replied: 0, distinct: 1, destinations: bad }, config)).toMatch(
      /blocked account/,
    );
    // People with conversations of their own are exempt from both.
    expect(
      destinationRule({ ...quiet, replied: 3, distinct: 3, destinations: { ...spread, ...bad } }, config),
    ).toBeNull();
  });

  it('first links: an account nobody wrote to whose every message carried one unknown destination', () => {
    const config = defaultDetectorConfig;
    const two = { 'slow.top': { to: ['a', 'b'] } };
    const base = { replied: 0, distinct: 2, destinations: two };
    expect(destinationRule({ ...base, sent: 2, received: 0 }, config)).toMatch(
      /slow.top in each of its 2 messages/,
    );
    // One message is what anybody may send once.
    expect(
      destinationRule({ ...base, sent: 1, received: 0, destinations: { 'slow.top': { to: ['a'] } } }, config),
    ).toBeNull();
    // Someone wrote to it; or it also sent other messages; or the destination is known good.
    expect(destinationRule({ ...base, sent: 2, received: 1 }, config)).toBeNull();
    expect(destinationRule({ ...base, sent: 3, received: 0 }, config)).toBeNull();
    expect(
      destinationRule(
        {
          ...base,
          sent: 2,
          received: 0,
          destinations: { 'youtube.com': { to: ['a', 'b'], reputation: 'good' } },
        },
        config,
      ),
    ).toBeNull();
    // Many accounts send it (common): not a first-links block either.
    expect(
      destinationRule(
        {
          ...base,
          sent: 2,
          received: 0,
          destinations: { 'maps.org': { to: ['a', 'b'], reputation: 'common' } },
        },
        config,
      ),
    ).toBeNull();
  });

  it('reputation: blocked senders make it bad unless many established senders outweigh them', () => {
    const r = (blocked: number, est: number, others = 0) =>
      reputationOf({
        blocked: Array.from({ length: blocked }, (_, i) => `b${i}`),
        established: Array.from({ length: est }, (_, i) => `e${i}`),
        senders: Array.from({ length: blocked + est + others }, (_, i) => `s${i}`),
      });
    expect(r(0, 0)).toBe('unknown');
    expect(r(1, 0)).toBe('bad');
    expect(r(1, 2)).toBe('bad');
    expect(r(1, 3)).toBe('good');
    expect(r(0, 3)).toBe('good');
    // One blocked sender among many (a popular link someone was wrongly blocked with) is not
    // enough: a quarter of the senders must be blocked ones.
    expect(r(1, 0, 3)).toBe('bad');
    expect(r(1, 0, 4)).toBe('unknown');
    expect(r(2, 1, 5)).toBe('bad');
    // Many senders, none vouching, none blocked: common (a popular link on a young platform).
    expect(r(0, 2, 5)).toBe('unknown');
    expect(r(0, 2, 6)).toBe('common');
  });
});

describe('detector + destinations', () => {
  async function start() {
    tester = createTester();
    const detector = detectorGroup(defaultDetectorConfig);
    const destinations = destinationsGroup();
    await tester.processor(detector);
    await tester.processor(destinations);
    const blocks = tester.track(spamBlockEvents.name, spamBlockEvents.codec);
    const send = async (from: string, to: string, text: string) => {
      await tester.consume(messagesSent.name, from, message(from, to, text));
      await tester.waitIdle();
    };
    return {
      send,
      blocks,
      row: (user: string) => tester.tableValue(detector, user) as DetectorState | undefined,
      destination: (d: string) => tester.tableValue(destinations, d) as DestinationState | undefined,
    };
  }

  it('personalised spam: one destination to three strangers blocks at the third, with a plain reason', async () => {
    const { send, blocks, row } = await start();
    // Someone wrote to it once (no first-links rule): the spread rule is the one that holds.
    await send('x', 'p', 'hi, who are you?');
    const texts = [
      'Hi Anna your smile caught my eye. my private album is at https://lucky-dream42.top/pics',
      'Good evening Ben, we have so much in common. write me where I answer faster https://lucky-dream42.top/me',
      'Kim :) something about you feels special. I rarely log in here, find me at lucky-dream42.top/go',
    ];
    for (const [i, text] of texts.entries()) {
      expect(row('p')?.flagged ?? null).toBeNull();
      await send('p', `v${i}`, text);
    }
    const events = blocks.all();
    expect(events.map((e) => e.key)).toEqual(['p']);
    expect(events[0]!.value).toMatchObject({ type: 'block', source: 'detector' });
    expect(events[0]!.value).toMatchObject({
      reason: expect.stringMatching(/same destination lucky-dream42.top to 3 people it had just contacted/),
    });
  });

  it("first links: a new account's two messages, both with one unknown destination to strangers, block", async () => {
    const { send, blocks, row } = await start();
    await send(
      'slow',
      'v0',
      'Hi Anna your smile caught my eye. my private album is at https://velvet-dream42.top/pics',
    );
    expect(row('slow')?.flagged).toBeNull();
    await send('slow', 'v1', 'Kim :) we have so much in common. find me at velvet-dream42.top/go');
    expect(blocks.all().map((e) => e.value)).toEqual([
      expect.objectContaining({
        type: 'block',
        source: 'detector',
        reason: expect.stringMatching(/velvet-dream42.top in each of its 2 messages/),
      }),
    ]);
    // A person who sends a friend a link, then another friend the same link, after the first
    // friend wrote to them, is not blocked by it.
    await send('f1', 'sharer', 'hey how are you');
    await send('sharer', 'f2', 'look https://new-band-site.info/a');
    await send('sharer', 'f3', 'and this https://new-band-site.info/b');
    expect(row('sharer')?.flagged).toBeNull();
  });

  it('spread counts the people who did not answer the destination: friends answer a shared link', async () => {
    const { send, row } = await start();
    await send('x', 'sharer', 'hi!');
    for (const f of ['f1', 'f2', 'f3']) {
      await send('sharer', f, `listen to this https://new-band-site.info/${f}`);
      await send(f, 'sharer', 'love it');
    }
    await send('sharer', 'f4', 'and you https://new-band-site.info/f4');
    expect(row('sharer')?.destinations?.['new-band-site.info']).toMatchObject({
      to: ['f1', 'f2', 'f3', 'f4'],
      answered: ['f1', 'f2', 'f3'],
    });
    expect(row('sharer')?.flagged).toBeNull();
    // A message written before the link, whose loopback arrives after it, answers nothing.
    await send('sharer', 'v0', 'for you https://new-band-site.info/v0');
    await tester.consume(messagesSent.name, 'v0', { ...message('v0', 'sharer', 'hey there'), sentAt: 1 });
    await tester.waitIdle();
    expect(row('sharer')?.destinations?.['new-band-site.info']?.answered).toEqual(['f1', 'f2', 'f3']);
    // People who never answer it (v0's message counts as a reply, but not as an answer to the
    // link): blocked once the sender has no conversations of its own (4 of 7 replied).
    for (const v of ['v1', 'v2']) await send('sharer', v, `for you https://new-band-site.info/${v}`);
    expect(row('sharer')?.flagged?.reason).toMatch(/to 4 people it had just contacted who did not answer it/);
  });

  it('a returner: the destination of a blocked account blocks a new account at its first use', async () => {
    const { send, blocks, row, destination } = await start();
    for (let i = 0; i < 3; i++) await send('old', `v${i}`, `hey v${i} see https://secret-sweet12.xyz/join`);
    expect(row('old')?.flagged).not.toBeNull();
    // The block event comes back on spam-block-events (the blocker would write it).
    expect(destination('secret-sweet12.xyz')).toMatchObject({ blocked: ['old'], reputation: 'bad' });
    blocks.all();
    await send('new', 'w0', 'hello there, more of me on https://secret-sweet12.xyz/pics');
    expect(row('new')?.flagged?.reason).toMatch(
      /secret-sweet12.xyz, a destination that 1 blocked account also sent/,
    );
    expect(blocks.all().map((e) => e.key)).toEqual(['new']);
  });

  it('a farm account that went quiet is blocked when its destination turns bad', async () => {
    const { send, row } = await start();
    await send('quiet', 'x0', 'hey x0, more of me on https://golden-velvet7.club/me');
    expect(row('quiet')?.flagged).toBeNull();
    for (let i = 0; i < 3; i++)
      await send('loud', `y${i}`, `hi y${i}! find me at https://golden-velvet7.club/go`);
    expect(row('loud')?.flagged).not.toBeNull();
    expect(row('quiet')?.flagged?.source).toBe('detector');
  });

  it('link sharers: a popular destination (three established senders) never blocks', async () => {
    const { send, row } = await start();
    // Three people with conversations share videos.
    for (const friend of ['f1', 'f2', 'f3']) {
      for (const other of ['g1', 'g2']) {
        await send(friend, other, 'hey how are you');
        await send(other, friend, 'good thanks');
      }
      await send(friend, 'g1', 'look at this https://youtube.com/watch?v=1');
    }
    // A new sharer opens contact with three people and sends them videos.
    for (const to of ['h1', 'h2', 'h3'])
      await send('sharer', to, `for you https://www.youtube.com/watch?v=${to}`);
    expect(row('sharer')?.destinations?.['youtube.com']).toMatchObject({ reputation: 'good' });
    expect(row('sharer')?.flagged).toBeNull();
  });

  it('greeters: the same greeting to many new matches, unanswered, is not blocked', async () => {
    const { send, row } = await start();
    for (let i = 0; i < 15; i++)
      await send(
        'greeter',
        `match${i}`,
        `Hi match${i}! Nice to match with you :) how is your week going so far?`,
      );
    // Two "annoying" reports by matches who got only the greeting weigh one.
    for (const by of ['match3', 'match4'])
      await tester.consume(reports.name, 'greeter', {
        id: `r-${by}`,
        user: 'greeter',
        by,
        reason: 'meh',
        at: clock,
      });
    await tester.waitIdle();
    expect(row('greeter')?.score).toBeGreaterThan(defaultDetectorConfig.threshold);
    expect(row('greeter')?.flagged).toBeNull();
  });

  it('verified users are exempt from the destination rules', async () => {
    const { send, row } = await start();
    await tester.consume(spamBlockEvents.name, 'mod', {
      type: 'verify',
      id: 'v1',
      user: 'mod',
      by: 'admin',
      at: clock,
    });
    await tester.waitIdle();
    for (let i = 0; i < 4; i++)
      await send('mod', `u${i}`, `please read the rules at https://rules-page.info/${i}`);
    expect(row('mod')?.flagged).toBeNull();
  });
});
