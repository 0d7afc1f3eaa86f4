import { type PairState, pairKey } from '@showcase/contracts';
import { bytes, deadLetterTopic } from '@showcase/goka';
import { afterEach, describe, expect, it } from 'vitest';
import { listEdges, listMatches } from '../src/lists.ts';
import type { PairRow } from '../src/model.ts';
import { groups } from '../src/topics.ts';
import { interaction, startGroups } from './support.ts';

type Groups = Awaited<ReturnType<typeof startGroups>>;
let running: Groups | undefined;
afterEach(async () => {
  await running?.tester.stop();
  running = undefined;
});

async function start() {
  running = await startGroups();
  const { tester, pairs } = running;
  const row = (a: string, b: string) => tester.tableValue(pairs, pairKey(a, b)) as PairRow | undefined;
  const summary = (a: string, b: string) => {
    const r = row(a, b);
    const brief = (edges: PairState['out']) => edges.map((e) => `${e.type}:${e.count}`);
    return r ? { out: brief(r.out), in: brief(r.in), match: r.matchSince ?? null } : undefined;
  };
  // Trackers hand out each record once: keep what they returned.
  const seenMatches: string[] = [];
  const seenNotes: string[] = [];
  const matchLog = () => {
    seenMatches.push(
      ...running!.matches.all().map((m) => `${m.value!.user}:${m.value!.type}:${m.value!.other}`),
    );
    return [...seenMatches];
  };
  const noteLog = () => {
    seenNotes.push(...running!.notes.all().map((m) => `${m.key}<-${m.value!.type}:${m.value!.user}`));
    return [...seenNotes];
  };
  return { ...running, row, summary, matchLog, noteLog };
}

describe('pairs group', () => {
  it('keeps out-edges at the actor’s row and in-edges at the target’s, with counts and times', async () => {
    const { send, row, summary } = await start();
    const v1 = interaction('a', 'b', 'visit');
    const v2 = interaction('a', 'b', 'visit');
    const m1 = interaction('a', 'b', 'message');
    for (const e of [v1, v2, m1]) await send(e);
    expect(summary('a', 'b')).toEqual({ out: ['visit:2', 'message:1'], in: [], match: null });
    expect(summary('b', 'a')).toEqual({ out: [], in: ['visit:2', 'message:1'], match: null });
    const visit = row('a', 'b')!.out.find((e) => e.type === 'visit')!;
    expect(visit).toEqual({
      user: 'b',
      type: 'visit',
      count: 2,
      first: new Date(v1.at).toISOString(),
      last: new Date(v2.at).toISOString(),
    });
    expect(row('b', 'a')!.in.find((e) => e.type === 'visit')).toEqual({ ...visit, user: 'a' });
  });

  it('like and pass replace each other (a new edge restarts count and first); unlike removes a like', async () => {
    const { send, row, summary } = await start();
    await send(interaction('a', 'b', 'like'));
    await send(interaction('a', 'b', 'like'));
    expect(summary('a', 'b')!.out).toEqual(['like:2']);
    const pass = interaction('a', 'b', 'pass');
    await send(pass);
    expect(summary('a', 'b')!.out).toEqual(['pass:1']);
    expect(row('a', 'b')!.out[0]!.first).toBe(new Date(pass.at).toISOString());
    const like = interaction('a', 'b', 'like');
    await send(like);
    expect(row('a', 'b')!.out).toEqual([
      {
        user: 'b',
        type: 'like',
        count: 1,
        first: new Date(like.at).toISOString(),
        last: new Date(like.at).toISOString(),
      },
    ]);
    await send(interaction('a', 'b', 'unlike'));
    expect(summary('a', 'b')).toEqual({ out: [], in: [], match: null });
    expect(summary('b', 'a')).toEqual({ out: [], in: [], match: null });
    await send(interaction('a', 'b', 'unlike')); // nothing to remove
    expect(summary('a', 'b')!.out).toEqual([]);
  });

  it('a mutual like is a match on both rows with the same since, one new-match per user; unlike ends it', async () => {
    const { send, row, matchLog, noteLog } = await start();
    await send(interaction('a', 'b', 'like'));
    expect(row('a', 'b')!.matchSince).toBeUndefined();
    const back = interaction('b', 'a', 'like');
    await send(back);
    expect(row('a', 'b')!.matchSince).toBe(new Date(back.at).toISOString());
    expect(row('b', 'a')!.matchSince).toBe(new Date(back.at).toISOString());
    await send(interaction('a', 'b', 'like')); // a second like changes nothing about the match
    expect(matchLog().sort()).toEqual(['a:new-match:b', 'b:new-match:a']);
    expect(noteLog().sort()).toEqual([
      'a<-liked-you:b',
      'a<-new-match:b',
      'b<-liked-you:a',
      'b<-liked-you:a',
      'b<-new-match:a',
    ]);
    await send(interaction('b', 'a', 'unlike'));
    expect(row('a', 'b')!.matchSince).toBeUndefined();
    expect(row('b', 'a')!.matchSince).toBeUndefined();
    expect(matchLog().sort()).toEqual([
      'a:match-ended:b',
      'a:new-match:b',
      'b:match-ended:a',
      'b:new-match:a',
    ]);
  });

  it('blocks win over likes: no match while a block exists in either direction; unblock restores it with a new since', async () => {
    const { send, row, matchLog, noteLog } = await start();
    await send(interaction('a', 'b', 'like'));
    await send(interaction('b', 'a', 'like'));
    await send(interaction('b', 'a', 'block'));
    expect(row('a', 'b')!.matchSince).toBeUndefined();
    expect(matchLog().sort()).toEqual([
      'a:match-ended:b',
      'a:new-match:b',
      'b:match-ended:a',
      'b:new-match:a',
    ]);
    // b blocks a: b hears nothing from a any more, a still hears of the end of the match.
    expect(noteLog()).toContain('a<-match-ended:b');
    expect(noteLog()).not.toContain('b<-match-ended:a');
    const before = noteLog().length;
    await send(interaction('a', 'b', 'like'));
    await send(interaction('a', 'b', 'message'));
    await send(interaction('a', 'b', 'visit'));
    expect(noteLog().slice(before)).toEqual([]);
    expect(row('b', 'a')!.matchSince).toBeUndefined();
    const unblock = interaction('b', 'a', 'unblock');
    await send(unblock);
    expect(row('a', 'b')!.matchSince).toBe(new Date(unblock.at).toISOString());
    expect(row('b', 'a')!.matchSince).toBe(new Date(unblock.at).toISOString());
    await send(interaction('a', 'b', 'block'));
    await send(interaction('b', 'a', 'unblock')); // b had no block: a's block still wins
    expect(row('b', 'a')!.matchSince).toBeUndefined();
    expect(matchLog().filter((m) => m === 'b:new-match:a')).toHaveLength(2);
  });

  it('simultaneous likes (same time, both actors in flight) give exactly one new-match per user', async () => {
    const { tester, send, row, matchLog } = await start();
    const at = Date.now();
    const ab = interaction('a', 'b', 'like', at);
    const ba = interaction('b', 'a', 'like', at);
    await Promise.all([send(ab), send(ba)]);
    await tester.waitIdle();
    expect(row('a', 'b')!.matchSince).toBe(new Date(at).toISOString());
    expect(row('b', 'a')!.matchSince).toBe(new Date(at).toISOString());
    expect(matchLog().sort()).toEqual(['a:new-match:b', 'b:new-match:a']);
  });

  it('applies a record delivered twice once', async () => {
    const { send, summary, matchLog } = await start();
    const like = interaction('a', 'b', 'like');
    await send(like);
    await send(interaction('b', 'a', 'like'));
    await send(like);
    await send(interaction('a', 'b', 'visit'));
    await send(like);
    expect(summary('a', 'b')!.out).toEqual(['like:1', 'visit:1']);
    expect(summary('b', 'a')!.in).toEqual(['like:1', 'visit:1']);
    expect(matchLog()).toHaveLength(2);
  });

  it('dead-letters records that are not interactions and goes on', async () => {
    const { tester, send, summary } = await start();
    const dlq = tester.track(deadLetterTopic(groups.pairs), bytes());
    await send({ ...interaction('a', 'a', 'like') });
    await send({ ...interaction('a', 'b', 'like'), type: 'poke' as 'like' });
    await send(interaction('a', 'b', 'visit'));
    expect(dlq.all()).toHaveLength(2);
    expect(summary('a', 'b')!.out).toEqual(['visit:1']);
  });
});

describe('index and lists', () => {
  it('lists edges by direction and type, and matches, in pages ordered by the other user', async () => {
    const { send, indexView } = await start();
    const others = ['d', 'b', 'e', 'c', 'f'];
    for (const o of others) await send(interaction(o, 'hub', 'like'));
    await send(interaction('hub', 'c', 'like'));
    await send(interaction('hub', 'e', 'like'));
    await send(interaction('hub', 'z', 'visit'));
    await send(interaction('b', 'hub', 'visit'));

    const page1 = await listEdges(indexView, 'hub', 'in', 'like', 2);
    expect(page1.items.map((e) => e.user)).toEqual(['b', 'c']);
    expect(page1.next).toBe('c');
    const page2 = await listEdges(indexView, 'hub', 'in', 'like', 2, { other: page1.next! });
    expect(page2.items.map((e) => e.user)).toEqual(['d', 'e']);
    const page3 = await listEdges(indexView, 'hub', 'in', 'like', 2, { other: page2.next! });
    expect(page3).toEqual({ items: [expect.objectContaining({ user: 'f', type: 'like', count: 1 })] });

    const outs = await listEdges(indexView, 'hub', 'out', undefined, 100);
    expect(outs.items.map((e) => `${e.user}:${e.type}`)).toEqual(['c:like', 'e:like', 'z:visit']);
    // Untyped lists page between two edges of one other user.
    const ins = [];
    let cursor: string | undefined;
    do {
      const page = await listEdges(indexView, 'hub', 'in', undefined, 1, cursor ? parse(cursor) : undefined);
      ins.push(...page.items.map((e) => `${e.user}:${e.type}`));
      cursor = page.next;
    } while (cursor);
    expect(ins).toEqual(['b:like', 'b:visit', 'c:like', 'd:like', 'e:like', 'f:like']);

    const matches = await listMatches(indexView, 'hub', 1);
    expect(matches.items.map((m) => m.user)).toEqual(['c']);
    expect((await listMatches(indexView, 'hub', 10, { other: 'c' })).items.map((m) => m.user)).toEqual(['e']);
    await send(interaction('hub', 'c', 'pass'));
    expect((await listMatches(indexView, 'hub', 10)).items.map((m) => m.user)).toEqual(['e']);
    expect((await listEdges(indexView, 'hub', 'out', 'like', 10)).items.map((e) => e.user)).toEqual(['e']);
    expect((await listEdges(indexView, 'c', 'in', 'pass', 10)).items.map((e) => e.user)).toEqual(['hub']);
  });
});

function parse(cursor: string) {
  const [other, type] = cursor.split('~') as [string, string | undefined];
  return type ? { other, type: type as 'like' } : { other };
}
