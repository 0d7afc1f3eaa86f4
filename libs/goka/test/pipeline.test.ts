import { describe, expect, it } from 'vitest';
import {
  defineGroup,
  Emitter,
  input,
  json,
  memoryCluster,
  memoryStorage,
  output,
  Processor,
  persist,
  string,
  View,
} from '../src/index.ts';
import { GatedCluster, until } from './support/gated-cluster.ts';

const counter = () =>
  defineGroup(
    'counter',
    persist(json<number>()),
    output('counted', string()),
    input('clicks', string(), (ctx) => {
      ctx.setValue((ctx.value() ?? 0) + 1);
      ctx.emit('counted', ctx.key, String(ctx.value()));
    }),
  );

describe('delivery semantics of the shared pipeline', () => {
  it('keeps the store behind the changelog and commits only acknowledged messages', async () => {
    const memory = memoryCluster({ partitions: 1 });
    const gate = new GatedCluster(memory);
    const storage = memoryStorage();
    const g = counter();
    const p = new Processor(g, { cluster: gate.cluster, storage });
    gate.open(); // topic setup and the emitter below are not under test
    const emitter = new Emitter({ cluster: memory, topic: 'clicks', codec: string() });
    await p.start();
    gate.gated = true;

    await emitter.emit('k', 'c1');
    await emitter.emit('k', 'c2');
    // Both callbacks ran (the second saw the first's write through the overlay) but the broker
    // has acknowledged nothing yet.
    await until(() => gate.waiting > 0, 'a produce request');
    await new Promise((r) => setTimeout(r, 20));
    expect(memory.committedOffset('counter', 'clicks', 0)).toBeUndefined();
    const store = await storage.open(g.table, 0);
    expect(await store.get('k')).toBeUndefined();
    expect(await store.getOffset()).toBeUndefined();

    gate.open();
    await until(() => memory.committedOffset('counter', 'clicks', 0) === 2, 'commit of both messages');
    await until(async () => (await store.getOffset()) === 2, 'store checkpoint');
    expect((await store.get('k'))?.toString()).toBe('2');
    expect(memory.records('counter-table', 0).map((r) => r.value?.toString())).toEqual(['1', '2']);
    expect(memory.records('counted', 0).map((r) => r.value?.toString())).toEqual(['1', '2']);
    await p.stop();
    await emitter.close();
  });

  it('a failed produce fails the processor and commits nothing past it', async () => {
    const memory = memoryCluster({ partitions: 1 });
    const broken = {
      ...memory,
      description: 'broken',
      autoCreateTopics: true,
      defaultPartitions: 1,
      partitionCount: (t: string) => memory.partitionCount(t),
      ensureTopics: (s: Parameters<typeof memory.ensureTopics>[0]) => memory.ensureTopics(s),
      offsets: (t: string) => memory.offsets(t),
      reader: (o: Parameters<typeof memory.reader>[0]) => memory.reader(o),
      groupConsumer: (o: Parameters<typeof memory.groupConsumer>[0]) => memory.groupConsumer(o),
      close: () => memory.close(),
      producer: () => ({
        send: async () => {
          throw new Error('broker says no');
        },
        close: async () => undefined,
      }),
    };
    const p = new Processor(counter(), { cluster: broken });
    await p.start();
    await memory
      .producer()
      .send([{ topic: 'clicks', partition: 0, key: Buffer.from('k'), value: Buffer.from('x') }]);
    await expect(p.done()).rejects.toThrow(/writing effects of partition 0 failed/);
    expect(p.state).toBe('failed');
    expect(p.error?.cause).toMatchObject({ message: 'broker says no' });
    expect(memory.committedOffset('counter', 'clicks', 0)).toBeUndefined();
  });

  it('processes the messages of one key strictly in order, one at a time, with async callbacks', async () => {
    const cluster = memoryCluster({ partitions: 2 });
    let active = 0;
    let maxActive = 0;
    const order: string[] = [];
    const g = defineGroup(
      'sequential',
      persist(json<string[]>()),
      input('events', json<number>(), async (ctx, n) => {
        active++;
        maxActive = Math.max(maxActive, active);
        // Later messages take less time: only strict sequencing keeps them in order.
        await new Promise((r) => setTimeout(r, 10 - n));
        ctx.setValue([...(ctx.value() ?? []), String(n)]);
        order.push(`${ctx.key}:${n}`);
        active--;
      }),
    );
    const p = new Processor(g, { cluster });
    await p.start();
    const e = new Emitter({ cluster, topic: 'events', codec: json<number>() });
    await Promise.all(Array.from({ length: 10 }, (_, n) => e.emit('same-key', n)));
    const v = new View({ cluster, table: g.table, codec: json<string[]>() });
    await v.start();
    await until(async () => (await v.get('same-key'))?.length === 10, 'ten values');
    expect(await v.get('same-key')).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(maxActive).toBe(1);
    await Promise.all([p.stop(), v.stop(), e.close()]);
  });
});
