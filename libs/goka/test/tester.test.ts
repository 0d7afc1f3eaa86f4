import { describe, expect, it } from 'vitest';
import { createTester, defineGroup, Emitter, input, json, output, persist, string } from '../src/index.ts';

const counter = () =>
  defineGroup(
    'click-counter',
    persist(json<number>()),
    output('milestones', string()),
    input('user-clicks', json<{ page: string }>(), (ctx) => {
      const n = (ctx.value() ?? 0) + 1;
      ctx.setValue(n);
      if (n % 10 === 0) ctx.emit('milestones', ctx.key, `${n} clicks`);
    }),
  );

describe('tester', () => {
  it('consume returns once tables are written; tableValue reads them', async () => {
    const t = createTester();
    const g = counter();
    await t.processor(g);
    for (let i = 0; i < 5; i++) await t.consume('user-clicks', `u${i % 2}`, { page: '/' });
    expect(t.tableValue(g, 'u0')).toBe(3);
    expect(t.tableValue('click-counter', 'u1')).toBe(2);
    expect(t.tableValue(g, 'nobody')).toBeUndefined();
    await t.stop();
  });

  it('setTableValue is seen by the running processor', async () => {
    const t = createTester();
    const g = counter();
    await t.processor(g);
    const milestones = t.track<string>('milestones');
    await t.setTableValue(g, 'u1', 9);
    expect(t.tableValue(g, 'u1')).toBe(9);
    await t.consume('user-clicks', 'u1', { page: '/' });
    expect(t.tableValue(g, 'u1')).toBe(10);
    expect(milestones.next()).toMatchObject({ key: 'u1', value: '10 clicks' });
    expect(milestones.next()).toBeUndefined();
    expect(milestones.hwm().reduce((a, b) => a + b, 0)).toBe(1);
    await t.stop();
  });

  it('setTableValue wins over what the processor has already read', async () => {
    const t = createTester();
    const g = counter();
    await t.processor(g);
    await t.consume('user-clicks', 'u2', { page: '/' });
    await t.setTableValue(g, 'u2', 19);
    await t.consume('user-clicks', 'u2', { page: '/' });
    expect(t.tableValue(g, 'u2')).toBe(20);
    await t.stop();
  });

  it('is deterministic: the same inputs give the same outputs in the same order', async () => {
    const run = async () => {
      const t = createTester({ partitions: 4 });
      await t.processor(counter());
      const out = t.track<string>('milestones');
      // All at once, so partitions interleave: only a deterministic pipeline repeats the order.
      const e = new Emitter({ cluster: t.cluster, topic: 'user-clicks', codec: json<{ page: string }>() });
      await Promise.all(Array.from({ length: 400 }, (_, i) => e.emit(`user-${(i * 7) % 13}`, { page: '/' })));
      await t.waitIdle();
      await e.close();
      const result = out.all().map((m) => `${m.partition}:${m.offset}:${m.key}=${m.value}`);
      await t.stop();
      return result;
    };
    const first = await run();
    expect(first.length).toBeGreaterThan(5);
    expect(await run()).toEqual(first);
  });

  it('asks for a codec it cannot know', async () => {
    const t = createTester();
    await expect(t.consume('unknown-topic', 'k', { a: 1 })).rejects.toThrow(
      /no codec known for topic "unknown-topic"/,
    );
    expect(() => t.track('unknown-topic')).toThrow(/pass one/);
  });
});
