import { expect, it } from 'vitest';
import { Emitter, memoryCluster, string } from '../src/index.ts';

it('an Emitter with several requests in flight delivers every emit, in order per key', async () => {
  const cluster = memoryCluster({ partitions: 4 });
  cluster.createTopic({ name: 'events', partitions: 4 });
  const emitter = new Emitter({ cluster, topic: 'events', codec: string(), requestsInFlight: 3 });
  const acks: Promise<unknown>[] = [];
  for (let n = 0; n < 50; n++) {
    for (let k = 0; k < 12; k++) acks.push(emitter.emit(`key-${k}`, String(n)));
    if (n % 5 === 4) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await Promise.all(acks);
  await emitter.close();
  const perKey = new Map<string, number[]>();
  const stored = [0, 1, 2, 3].flatMap((p) => [...cluster.records('events', p)]);
  for (const r of stored) {
    const list = perKey.get(r.key!.toString()) ?? [];
    perKey.set(r.key!.toString(), list);
    list.push(Number(r.value!.toString()));
  }
  expect(perKey.size).toBe(12);
  for (const list of perKey.values()) expect(list).toEqual(Array.from({ length: 50 }, (_, n) => n));
});

it('rejects a requestsInFlight that is not a positive integer, naming the option', () => {
  const cluster = memoryCluster({ partitions: 1 });
  for (const requestsInFlight of [0, -1, 2.5, Number.NaN]) {
    expect(() => new Emitter({ cluster, topic: 't', codec: string(), requestsInFlight })).toThrow(
      /requestsInFlight must be a positive integer/,
    );
  }
});
