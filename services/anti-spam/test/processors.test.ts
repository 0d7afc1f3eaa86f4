import { type BlockEvent, type MessageSent, messagesSent, spamBlockEvents } from '@showcase/contracts';
import { createTester, type Tester } from '@showcase/goka';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultDetectorConfig } from '../src/features.ts';
import {
  type DetectorState,
  type FilterStats,
  type InboxHead,
  type InboxMessage,
  inboxEntryKey,
} from '../src/model.ts';
import { blockerGroup } from '../src/processors/blocker.ts';
import { collectorGroup } from '../src/processors/collector.ts';
import { detectorGroup, emptyDetectorState, peerFlag } from '../src/processors/detector.ts';
import { filterGroup } from '../src/processors/filter.ts';
import { deliveries, inboxEntries, reports, tables } from '../src/topics.ts';

let tester: Tester;
afterEach(async () => {
  await tester?.stop();
});

let clock = 1_700_000_000_000;
let seq = 0;
const tick = () => {
  clock += 1000;
  return clock;
};
const nextId = (prefix: string) => {
  seq++;
  return `${prefix}${seq}`;
};
const message = (from: string, to: string, text: string): MessageSent => ({
  id: nextId('m'),
  from,
  to,
  text,
  sentAt: tick(),
});
const send = (t: Tester, from: string, to: string, text: string) =>
  t.consume(messagesSent.name, from, message(from, to, text));
const blockEvent = (user: string, e: Partial<BlockEvent> & Pick<BlockEvent, 'type'>): BlockEvent =>
  ({ id: nextId('e'), user, by: 'admin', at: tick(), ...e }) as BlockEvent;

/** A user's inbox entries as the compacted anti-spam-inbox topic holds them (latest per key). */
function entriesOf(t: Tester, user: string): InboxMessage[] {
  const latest = new Map<string, Buffer | null>();
  const records = Array.from({ length: t.cluster.partitionsOf(inboxEntries.name) ?? 0 }, (_, p) => [
    ...t.cluster.records(inboxEntries.name, p),
  ]).flat();
  for (const r of records.sort((a, b) => a.seq - b.seq)) latest.set(r.key?.toString() ?? '', r.value);
  return [...latest]
    .filter(([key, value]) => key.startsWith(`${user}|`) && value !== null)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, value]) => JSON.parse(value!.toString()) as InboxMessage);
}

describe('collector', () => {
  it('keeps the last N delivered messages per recipient with running seq, ignoring redeliveries', async () => {
    tester = createTester();
    const g = collectorGroup(3);
    await tester.processor(g);
    const msgs = [1, 2, 3, 4].map((i) => message('a', 'b', `hello ${i}`));
    for (const m of msgs) await tester.consume(deliveries.name, 'b', m);
    await tester.consume(deliveries.name, 'b', msgs[3]!);
    await tester.waitIdle();
    const head = tester.tableValue(g, 'b') as InboxHead;
    expect(head.total).toBe(4);
    expect(entriesOf(tester, 'b').map((m) => [m.text, m.seq])).toEqual([
      ['hello 2', 2],
      ['hello 3', 3],
      ['hello 4', 4],
    ]);
  });

  it('one delivery writes O(1) bounded rows: head, its entry, one tombstone', async () => {
    tester = createTester();
    const g = collectorGroup(5);
    await tester.processor(g);
    const entries = tester.track(inboxEntries.name, inboxEntries.codec);
    const table = tester.track(tables.inbox.name, tables.inbox.codec);
    const long = 'x'.repeat(1990);
    for (let i = 0; i < 20; i++)
      await tester.consume(deliveries.name, 'b', message('a', 'b', `${i} ${long}`));
    await tester.waitIdle();
    const rows = entries.all();
    const heads = table.all();
    expect(heads).toHaveLength(20); // one head write per delivery
    expect(rows.filter((r) => r.value != null)).toHaveLength(20); // one entry per delivery
    expect(rows.filter((r) => r.value == null)).toHaveLength(15); // one tombstone once full
    // The head does not grow with the inbox or with message size.
    const headBytes = heads.map((h) => JSON.stringify(h.value).length);
    expect(Math.max(...headBytes)).toBeLessThan(1000);
    expect(entriesOf(tester, 'b').map((m) => m.seq)).toEqual([16, 17, 18, 19, 20]);
  });

  it('a redelivered message re-emits its entry (repairs a lost emit) without renumbering', async () => {
    tester = createTester();
    const g = collectorGroup(3);
    await tester.processor(g);
    const m = message('a', 'b', 'only once');
    await tester.consume(deliveries.name, 'b', m);
    const entries = tester.track(inboxEntries.name, inboxEntries.codec);
    await tester.consume(deliveries.name, 'b', m);
    await tester.waitIdle();
    expect(entries.all().map((r) => [r.key, r.value?.seq])).toEqual([[inboxEntryKey('b', 1), 1]]);
    expect((tester.tableValue(g, 'b') as InboxHead).total).toBe(1);
  });

  it('reads rows written in the old shape (all messages in the head)', async () => {
    tester = createTester();
    const g = collectorGroup(3);
    await tester.processor(g);
    const old = message('a', 'b', 'old');
    await tester.setTableValue(g, 'b', { total: 7, messages: [{ ...old, seq: 7 }] } as never);
    await tester.consume(deliveries.name, 'b', old);
    await tester.consume(deliveries.name, 'b', message('a', 'b', 'new'));
    await tester.waitIdle();
    expect(tester.tableValue(g, 'b')).toMatchObject({ total: 8 });
    expect(entriesOf(tester, 'b').map((m) => [m.text, m.seq])).toEqual([
      ['old', 7],
      ['new', 8],
    ]);
  });
});

describe('blocker', () => {
  it('applies block, unblock and verify with manual blocks taking precedence', async () => {
    tester = createTester();
    const g = blockerGroup();
    await tester.processor(g);
    const apply = (user: string, e: Partial<BlockEvent> & Pick<BlockEvent, 'type'>) =>
      tester.consume(spamBlockEvents.name, user, blockEvent(user, e));

    await apply('s', { type: 'block', source: 'detector', reason: 'score 0.9', score: 0.9 });
    expect(tester.tableValue(g, 's')).toMatchObject({ blocked: true, source: 'detector', score: 0.9 });
    // Verification lifts a detector block and exempts from later automatic ones.
    await apply('s', { type: 'verify' });
    expect(tester.tableValue(g, 's')).toMatchObject({ blocked: false, verified: true, source: null });
    await apply('s', { type: 'block', source: 'report', reason: 'reported' });
    expect(tester.tableValue(g, 's')).toMatchObject({ blocked: false });
    // ...but not from a manual block, which verification does not lift either.
    await apply('s', { type: 'block', source: 'manual', reason: 'abuse' });
    await apply('s', { type: 'verify' });
    expect(tester.tableValue(g, 's')).toMatchObject({ blocked: true, source: 'manual', reason: 'abuse' });
    await apply('m', { type: 'block', source: 'manual', reason: 'abuse' });
    await apply('m', { type: 'block', source: 'detector', reason: 'score' });
    expect(tester.tableValue(g, 'm')).toMatchObject({ source: 'manual' });
    await apply('m', { type: 'unblock' });
    expect(tester.tableValue(g, 'm')).toMatchObject({ blocked: false, source: null, since: null });
  });
});

describe('filter', () => {
  it('re-keys messages to the recipient, drops those of blocked senders and counts spam before the block', async () => {
    tester = createTester();
    const blocker = blockerGroup();
    const filter = filterGroup();
    await tester.processor(blocker);
    await tester.processor(filter);
    const out = tester.track(deliveries.name, deliveries.codec);
    await send(tester, 'spammer', 'v1', 'buy now');
    await send(tester, 'spammer', 'v2', 'buy now');
    const delivered = out.all();
    expect(delivered.map((d) => [d.key, d.value?.to])).toEqual([
      ['v1', 'v1'],
      ['v2', 'v2'],
    ]);
    await tester.consume(
      spamBlockEvents.name,
      'spammer',
      blockEvent('spammer', { type: 'block', source: 'detector', reason: 'x' }),
    );
    await send(tester, 'spammer', 'v3', 'buy now');
    await send(tester, 'spammer', 'v4', 'buy now');
    expect(out.all()).toEqual([]);
    expect(tester.tableValue(filter, 'spammer')).toMatchObject({
      delivered: 2,
      dropped: 2,
      deliveredBeforeBlock: 2,
    } satisfies Partial<FilterStats>);
  });
});

describe('detector', () => {
  const config = defaultDetectorConfig;

  async function start(overrides: Partial<typeof config> = {}) {
    tester = createTester();
    const g = detectorGroup({ ...config, ...overrides });
    await tester.processor(g);
    const blocks = tester.track(spamBlockEvents.name, spamBlockEvents.codec);
    return { g, blocks, row: (user: string) => tester.tableValue(g, user) as DetectorState };
  }

  it('blocks a templated URL spammer writing to strangers after a handful of messages', async () => {
    const { blocks, row } = await start();
    let sentBeforeBlock = 0;
    for (let i = 0; i < 30 && blocks.hwm().every((h) => h === 0); i++) {
      await send(
        tester,
        'spam1',
        `victim${i}`,
        `Hi victim${i}! Hot singles near you, see http://hot-${i}.xyz/p?id=${i}`,
      );
      sentBeforeBlock++;
    }
    const events = blocks.all();
    expect(events).toHaveLength(1);
    expect(events[0]!.value).toMatchObject({
      type: 'block',
      user: 'spam1',
      source: 'detector',
      by: 'detector',
    });
    expect(sentBeforeBlock).toBeLessThanOrEqual(8);
    expect(row('spam1').features.duplicate).toBeGreaterThan(0.5);
    expect(row('spam1').flagged).not.toBeNull();
    // Flagged once per episode: more spam does not emit more block events.
    await send(tester, 'spam1', 'victimX', 'Hi victimX! Hot singles near you, see http://hot.xyz');
    expect(blocks.all()).toEqual([]);
  });

  it('user ids that are prototype keys count like any other id (constructor, __proto__, toString, …)', async () => {
    const { blocks, row } = await start();
    const protoIds = [
      'constructor',
      '__proto__',
      'toString',
      'valueOf',
      'hasOwnProperty',
      'isPrototypeOf',
      'propertyIsEnumerable',
      'toLocaleString',
      '__defineGetter__',
      '__defineSetter__',
      '__lookupGetter__',
      '__lookupSetter__',
    ];
    const plainIds = protoIds.map((_, i) => `plain${i}`);
    const text = (to: string) => `Hey ${to}, cheap pills and more at http://pills.example.xyz/buy now`;
    for (const [i, to] of protoIds.entries()) {
      await send(tester, 'protoSpammer', to, text(to));
      await send(tester, 'plainSpammer', plainIds[i]!, text(plainIds[i]!));
    }
    const proto = row('protoSpammer');
    const plain = row('plainSpammer');
    expect(proto.distinct).toBe(12);
    expect(proto.features).toEqual(plain.features);
    expect(proto.score).toBe(plain.score);
    expect(proto.flagged).not.toBeNull();
    expect(
      blocks
        .all()
        .map((e) => e.key)
        .sort(),
    ).toEqual(['plainSpammer', 'protoSpammer']);
    // Replies from such ids are tracked too.
    await send(tester, '__proto__', 'protoSpammer', 'who are you?');
    await send(tester, 'constructor', 'protoSpammer', 'stop writing to me');
    expect(row('protoSpammer').replied).toBe(2);
    expect(peerFlag(row('protoSpammer').recipients, '__proto__')).toBe(1);
    expect(peerFlag(row('protoSpammer').recipients, 'toString')).toBe(0);
    expect(peerFlag(row('protoSpammer').recipients, 'nobody')).toBeUndefined();
  });

  it('a flagged user whose block emit was lost is blocked by the next input (re-derivable emit)', async () => {
    const { g, blocks, row } = await start();
    const empty = emptyDetectorState('lost', clock);
    // What at-least-once can leave behind: the table write acknowledged, the block never sent.
    const flagged = { at: clock, score: 0.8, source: 'detector' as const, reason: 'spam score 0.80: test' };
    await tester.setTableValue(g, 'lost', { ...empty, sent: 9, flagged });
    // The redelivered (or next) message of the user emits the same block again.
    await send(tester, 'lost', 'someone', 'hello again');
    const events = blocks.all();
    expect(events).toHaveLength(1);
    expect(events[0]!.value).toMatchObject({
      type: 'block',
      id: `det-lost-${flagged.at}`,
      user: 'lost',
      source: 'detector',
      reason: flagged.reason,
    });
    // It came back on spam-block-events: confirmed, no more repeats.
    await tester.waitIdle();
    expect(row('lost').flagged).toMatchObject({ confirmed: true });
    await send(tester, 'lost', 'someone', 'and again');
    expect(blocks.all()).toEqual([]);
  });

  it('a reply whose loopback was lost is counted by the next message (re-derivable reply)', async () => {
    const { g, row } = await start();
    // b answered a before, but a's row never heard of it (the loopback was lost).
    const now = clock;
    await tester.setTableValue(g, 'a', {
      ...emptyDetectorState('a', now),
      recipients: { b: 0 },
      distinct: 1,
    });
    await tester.setTableValue(g, 'b', { ...emptyDetectorState('b', now), senders: { a: 1 } });
    await send(tester, 'b', 'a', 'as I said');
    await tester.waitIdle();
    expect(row('a')).toMatchObject({ replied: 1, recipients: { b: 1 } });
    // Applying the reply again changes nothing.
    await send(tester, 'b', 'a', 'and once more');
    await tester.waitIdle();
    expect(row('a').replied).toBe(1);
  });

  it('tracks replies through the loopback and leaves a chatty normal user alone', async () => {
    const { blocks, row } = await start();
    const friends = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6'];
    const lines = [
      'are we still on for dinner tonight',
      'haha that movie was so bad',
      'did you see what happened at work today',
      'can you send me the photos from saturday',
      'I think the train leaves at seven',
    ];
    for (let round = 0; round < 5; round++) {
      for (const [i, f] of friends.entries()) {
        await send(tester, 'normal', f, lines[(round + i) % lines.length]!);
        await send(tester, f, 'normal', `${lines[(round + i + 2) % lines.length]} ${f}`);
      }
    }
    const r = row('normal');
    expect(r.sent).toBe(30);
    expect(r.received).toBe(30);
    expect(r.distinct).toBe(6);
    expect(r.replied).toBe(6);
    expect(r.features.noReply).toBe(0);
    expect(r.score).toBeLessThan(config.threshold);
    expect(blocks.all()).toEqual([]);
    // The friends replied to "normal", which they count as warm (not cold) messages.
    expect(row('f1').features.cold).toBe(0);
  });

  it('blocks with source report once enough distinct users reported, never a verified user', async () => {
    const { blocks, row } = await start();
    const report = (user: string, by: string) =>
      tester.consume(reports.name, user, { id: nextId('r'), user, by, reason: 'scam', at: tick() });
    await report('x', 'a');
    await report('x', 'a');
    await report('x', 'x');
    await report('x', 'b');
    expect(blocks.all()).toEqual([]);
    await report('x', 'c');
    expect(blocks.all().map((b) => b.value)).toEqual([
      expect.objectContaining({ type: 'block', source: 'report', user: 'x' }),
    ]);
    await tester.consume(spamBlockEvents.name, 'v', blockEvent('v', { type: 'verify' }));
    for (const by of ['a', 'b', 'c', 'd']) await report('v', by);
    expect(row('v').verified).toBe(true);
    expect(blocks.all().filter((b) => b.value?.type === 'block')).toEqual([]);
  });

  it('reports about small talk weigh half: six block a greeter, three about a link block a sender', async () => {
    // The score alone never blocks here: the report rule is what is tested.
    const { blocks, row } = await start({ threshold: 1.01 });
    const report = (user: string, by: string) =>
      tester.consume(reports.name, user, { id: nextId('r'), user, by, reason: 'annoying', at: tick() });
    for (let i = 0; i < 6; i++)
      await send(tester, 'greeter', `m${i}`, `Hi m${i}! Nice to match with you :) how is your week going?`);
    for (const by of ['m0', 'm1', 'm2']) await report('greeter', by);
    expect(row('greeter').smallTalkReporters).toEqual(['m0', 'm1', 'm2']);
    expect(row('greeter').features.reports).toBe(0.5);
    expect(blocks.all()).toEqual([]);
    for (const by of ['m3', 'm4']) await report('greeter', by);
    expect(blocks.all()).toEqual([]);
    await report('greeter', 'm5');
    expect(blocks.all().map((b) => b.value)).toEqual([
      expect.objectContaining({
        type: 'block',
        source: 'report',
        user: 'greeter',
        reason: 'reported by 6 users (6 of them about small talk)',
      }),
    ]);
    // The same three reports from people who got a number from the sender block it.
    // (a new number each time: no destination rule holds)
    await send(tester, 'scam', 'n0', 'hello dear, write me on whatsapp +44 7123 456 780');
    await send(tester, 'scam', 'n1', 'hi, how are you?');
    await send(tester, 'scam', 'n1', 'text me +44 7123 456 781');
    await send(tester, 'scam', 'n2', 'write me +44 7123 456 782');
    expect(row('scam').flagged).toBeNull();
    for (const by of ['n0', 'n1', 'n2']) await report('scam', by);
    expect(row('scam').smallTalkReporters ?? []).toEqual([]);
    expect(row('scam').flagged).toMatchObject({ source: 'report', reason: 'reported by 3 users' });
  });

  it('an unblock starts a new episode: old evidence is forgotten', async () => {
    const { blocks, row } = await start();
    for (let i = 0; i < 10; i++)
      await send(tester, 's', `v${i}`, `Win money now at http://cash.biz/${i} call +1 555 0100 ${i}`);
    expect(blocks.all().filter((b) => b.value?.type === 'block')).toHaveLength(1);
    await tester.consume(spamBlockEvents.name, 's', blockEvent('s', { type: 'unblock' }));
    expect(row('s')).toMatchObject({ flagged: null, distinct: 0, recent: [] });
  });
});

describe('the four groups together', () => {
  it("a spammer's later messages never reach inboxes; normal messages do", async () => {
    tester = createTester();
    const collector = collectorGroup(50);
    await tester.processor(blockerGroup());
    await tester.processor(filterGroup());
    await tester.processor(collector);
    await tester.processor(detectorGroup(defaultDetectorConfig));
    await send(tester, 'alice', 'bob', 'hey bob how are you doing');
    await send(tester, 'bob', 'alice', 'great thanks, and you?');
    for (let i = 0; i < 20; i++) {
      await send(tester, 'spammer', `user${i}`, `Dear user${i}, claim your prize at http://prize.top/${i}`);
    }
    await tester.waitIdle();
    const spamIn = (user: string) => entriesOf(tester, user).filter((m) => m.from === 'spammer');
    const reached = Array.from({ length: 20 }, (_, i) => spamIn(`user${i}`).length).reduce(
      (a, b) => a + b,
      0,
    );
    expect(reached).toBeGreaterThan(0);
    expect(reached).toBeLessThanOrEqual(8);
    // Everything after the first dropped message stayed out.
    const firstMissing = Array.from({ length: 20 }, (_, i) => spamIn(`user${i}`).length).indexOf(0);
    for (let i = firstMissing; i < 20; i++) expect(spamIn(`user${i}`)).toEqual([]);
    expect(entriesOf(tester, 'bob')[0]).toMatchObject({ from: 'alice' });
    expect(entriesOf(tester, 'alice')[0]).toMatchObject({ from: 'bob' });
  });
});
