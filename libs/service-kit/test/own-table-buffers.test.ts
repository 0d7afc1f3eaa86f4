import { createTester, defineGroup, input, json, persist, string } from '@showcase/goka';
import { describe, expect, it } from 'vitest';
import { ownBuffer, withOwnTableBuffers } from '../src/own-table-buffers.ts';

describe('withOwnTableBuffers', () => {
  it("encodes table values into buffers of their own, not slices of Node's 8 KiB pool", () => {
    const group = defineGroup(
      'own-rows',
      persist(json<{ n: number }>()),
      input('own-events', string(), (ctx) => ctx.setValue({ n: (ctx.value()?.n ?? 0) + 1 })),
    );
    // json() encodes with Buffer.from(text): a small value is a view into a shared pool slab.
    const pooled = group.persist!.codec.encode({ n: 1 });
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.byteLength);

    const own = withOwnTableBuffers(group);
    const encoded = own.persist!.codec.encode({ n: 1 });
    expect(encoded.buffer.byteLength).toBe(encoded.byteLength);
    expect(own.persist!.codec.decode(encoded)).toEqual({ n: 1 });
    // Everything else of the group is the same.
    expect(own.name).toBe(group.name);
    expect(own.table).toBe(group.table);
    expect(own.inputs).toBe(group.inputs);
    expect(own.codecFor('own-events')).toBe(group.codecFor('own-events'));
  });

  it('runs like the group it wraps', async () => {
    const group = defineGroup(
      'own-count',
      persist(json<number>()),
      input('own-clicks', string(), (ctx) => ctx.setValue((ctx.value() ?? 0) + 1)),
    );
    const tester = createTester();
    try {
      // The value cache on (the tester turns it off by default): values go through it.
      await tester.processor(withOwnTableBuffers(group), { cacheSize: 100 });
      for (let i = 0; i < 3; i++) await tester.consume('own-clicks', 'u1', 'click');
      expect(tester.tableValue<number>('own-count', 'u1')).toBe(3);
    } finally {
      await tester.stop();
    }
  });

  it('leaves a group without a table and a buffer that owns its memory as they are', () => {
    const stateless = defineGroup(
      'own-none',
      input('own-x', string(), () => undefined),
    );
    expect(withOwnTableBuffers(stateless)).toBe(stateless);
    const slow = Buffer.allocUnsafeSlow(16);
    expect(ownBuffer(slow)).toBe(slow);
  });
});
