import { afterEach, describe, expect, it } from 'vitest';
import {
  createTester,
  defineGroup,
  input,
  json,
  output,
  persist,
  string,
  type Tester,
} from '../src/index.ts';

let t: Tester;
afterEach(async () => {
  await t?.stop();
});

const group = () =>
  defineGroup(
    'orders',
    persist(json<number>()),
    output('accepted', json<number>()),
    input('order-events', json<{ amount: number }>(), (ctx, order) => {
      // Effects before the throw must be discarded together with the message.
      ctx.setValue((ctx.value() ?? 0) + order.amount);
      ctx.emit('accepted', ctx.key, order.amount);
      if (order.amount < 0) throw new Error(`negative amount ${order.amount}`);
    }),
  );

describe("onError: 'dead-letter'", () => {
  it('sends undecodable records and failed callbacks to <group>-dlq and goes on', async () => {
    t = createTester({ partitions: 2 });
    const g = group();
    const p = await t.processor(g, { onError: 'dead-letter' });
    const dlq = t.track(g.deadLetterTopic, string());
    const accepted = t.track('accepted', json<number>());

    await t.consume('order-events', 'alice', { amount: 5 });
    await t.consume('order-events', 'alice', '{not json', { codec: string() as never });
    await t.consume('order-events', 'alice', { amount: -3 });
    await t.consume('order-events', 'alice', { amount: 2 });

    expect(p.state).toBe('running');
    expect(t.tableValue(g, 'alice')).toBe(7);
    expect(accepted.all().map((m) => m.value)).toEqual([5, 2]);
    const dead = dlq.all();
    expect(dead).toHaveLength(2);
    expect(dead[0]).toMatchObject({
      key: 'alice',
      value: '{not json',
      headers: { 'goka-error-kind': 'decode', 'goka-topic': 'order-events', 'goka-offset': '1' },
    });
    expect(dead[0]!.headers['goka-error']).toMatch(/cannot decode record order-events\/\d@1/);
    expect(JSON.parse(dead[1]!.value!)).toEqual({ amount: -3 });
    expect(dead[1]!.headers).toMatchObject({
      'goka-error-kind': 'callback',
      'goka-error': 'negative amount -3',
    });
    expect(p.stats()).toMatchObject({ processed: 2, deadLettered: 2 });
    // Dead-lettered messages count as handled: everything is committed.
    const partition = dead[0]!.partition;
    expect(t.cluster.committedOffset('orders', 'order-events', partition)).toBe(4);
  });
});

describe("onError: 'fail' (default)", () => {
  it('stops the processor with the error and commits only the messages before it', async () => {
    t = createTester({ partitions: 1 });
    const g = group();
    const p = await t.processor(g);
    await t.consume('order-events', 'bob', { amount: 1 });
    await expect(t.consume('order-events', 'bob', { amount: -1 })).rejects.toThrow(/processor orders failed/);
    expect(p.state).toBe('failed');
    expect(p.error?.message).toBe('group "orders": callback failed on order-events/0@1: negative amount -1');
    await expect(p.done()).rejects.toBe(p.error);
    expect(t.tableValue(g, 'bob')).toBe(1);
    expect(t.cluster.committedOffset('orders', 'order-events', 0)).toBe(1);
  });

  it('fails on an undecodable record, naming where it is', async () => {
    t = createTester({ partitions: 1 });
    const p = await t.processor(group());
    await expect(t.consume('order-events', 'bob', 'garbage', { codec: string() as never })).rejects.toThrow();
    expect(p.error?.message).toMatch(/^group "orders": cannot decode record order-events\/0@0/);
  });
});
