import { describe, expect, it } from 'vitest';
import {
  createTester,
  defineGroup,
  input,
  json,
  memoryCluster,
  output,
  Processor,
  persist,
  string,
  visitor,
} from '../src/index.ts';

interface Seen {
  n: number;
  last: number;
}

/** A table of last-seen times; the visitor `expire` deletes rows older than `meta.before`. */
const lastSeen = (name = 'last-seen') =>
  defineGroup<Seen>(
    name,
    persist(json<Seen>()),
    output('expired', string()),
    input('pings', json<{ at: number }>(), (ctx, ping) => {
      ctx.setValue({ n: (ctx.value()?.n ?? 0) + 1, last: ping.at });
    }),
    visitor<{ before: number }, Seen>('expire', (ctx, meta) => {
      const row = ctx.value();
      if (row && row.last < meta.before) {
        ctx.delete();
        ctx.emit('expired', ctx.key, `${ctx.topic}@${ctx.offset}`);
      }
    }),
    visitor<undefined, Seen>('touch', (ctx) => {
      ctx.setValue({ n: ctx.value()!.n + 100, last: -1 });
    }),
  );

describe('visitAll (Goka VisitAll)', () => {
  it('visits every key of every owned partition; writes and emits take the messages path', async () => {
    const t = createTester({ partitions: 4 });
    const g = lastSeen();
    await t.processor(g);
    const expired = t.track<string>('expired');
    for (let i = 0; i < 40; i++) await t.consume('pings', `u${i}`, { at: i });
    const result = await t.visit(g, 'expire', { before: 10 });
    expect(result.visited).toBe(40);
    expect(result.partitions).toHaveLength(4);
    expect(result.partitions.every((p) => !p.interrupted)).toBe(true);
    for (let i = 0; i < 40; i++) expect(t.tableValue(g, `u${i}`) === undefined).toBe(i < 10);
    const out = expired.all();
    expect(out.map((m) => m.key).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `u${i}`).sort());
    // The visit's name is the context's topic; there is no input offset behind it.
    expect(out[0]!.value).toBe('expire@-1');
    // A second visit sees the deletions.
    expect((await t.visit(g, 'expire', { before: 10 })).visited).toBe(30);
    await t.stop();
  });

  it('is queued in the partition order: messages before it are seen, messages after it see its writes', async () => {
    const cluster = memoryCluster({ partitions: 2 });
    const g = lastSeen('ordered');
    const p = new Processor(g, { cluster, cacheSize: 0 });
    await p.start();
    const producer = cluster.producer();
    const send = (key: string, at: number) =>
      producer.send([
        { topic: 'pings', partition: 0, key: Buffer.from(key), value: Buffer.from(JSON.stringify({ at })) },
      ]);
    await send('a', 1);
    await send('b', 2);
    while (!cluster.isIdle()) await new Promise((r) => setImmediate(r));
    // The visit is queued now; a message handed over after it is processed after it.
    const visiting = p.visitAll('touch');
    await send('a', 3);
    const result = await visiting;
    while (!cluster.isIdle()) await new Promise((r) => setImmediate(r));
    expect(result.visited).toBe(2);
    const view = async (key: string) => {
      const raw = cluster
        .records('ordered-table', 0)
        .filter((r) => r.key?.toString() === key)
        .at(-1);
      return JSON.parse(raw!.value!.toString()) as Seen;
    };
    expect(await view('a')).toEqual({ n: 102, last: 3 });
    expect(await view('b')).toEqual({ n: 101, last: -1 });
    await p.stop();
  });

  it('runs inside the transaction with exactly-once', async () => {
    const t = createTester({ partitions: 3 });
    const g = lastSeen('eos-seen');
    await t.processor(g, { guarantee: 'exactly-once' });
    for (let i = 0; i < 12; i++) await t.consume('pings', `k${i}`, { at: i });
    const r = await t.visit(g, 'expire', { before: 6 });
    expect(r.visited).toBe(12);
    for (let i = 0; i < 12; i++) expect(t.tableValue(g, `k${i}`) === undefined).toBe(i < 6);
    const tx = (await t.processor(lastSeen('eos-other'), { guarantee: 'exactly-once' })).stats();
    expect(tx.state).toBe('running');
    await t.stop();
  });

  it('an unknown visitor is an error; a throwing visitor fails the processor by default', async () => {
    const t = createTester({ partitions: 1 });
    const g = defineGroup<number>(
      'bad-visit',
      persist(json<number>()),
      input('nums', json<number>(), (ctx, n) => ctx.setValue(n)),
      visitor<undefined, number>('boom', (ctx) => {
        if (ctx.value() === 2) throw new Error('no twos');
      }),
    );
    const p = await t.processor(g);
    await t.consume('nums', 'a', 1);
    await t.consume('nums', 'b', 2);
    await expect(p.visitAll('nope')).rejects.toThrow(/no visitor "nope"/);
    await expect(p.visitAll('boom')).rejects.toThrow(/visit "boom" on partition 0, key "b" failed: no twos/);
    expect(p.state).toBe('failed');
    await t.stop();
  });

  it('with the dead-letter policy a throwing key is skipped and the visit goes on', async () => {
    const t = createTester({ partitions: 1 });
    const g = defineGroup<number>(
      'skip-visit',
      persist(json<number>()),
      input('nums', json<number>(), (ctx, n) => ctx.setValue(n)),
      visitor<undefined, number>('double', (ctx) => {
        if (ctx.value() === 2) throw new Error('no twos');
        ctx.setValue(ctx.value()! * 2);
      }),
    );
    const p = await t.processor(g, { onError: 'dead-letter' });
    for (const [k, v] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const)
      await t.consume('nums', k, v);
    expect((await t.visit(g, 'double')).visited).toBe(2);
    expect([t.tableValue(g, 'a'), t.tableValue(g, 'b'), t.tableValue(g, 'c')]).toEqual([2, 2, 6]);
    expect(p.state).toBe('running');
    await t.stop();
  });
});
