import { afterEach, expect, it } from 'vitest';
import { defineGroup, input, memoryCluster, output, Processor, string } from '../src/index.ts';
import { until } from './support/gated-cluster.ts';
import { HeldCluster } from './support/held-cluster.ts';
import { testLogger } from './support/kafka.ts';

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.allSettled(stops.splice(0).map((s) => s()));
});

it('a failed produce is sticky: nothing sent after it reaches the topic, no further message is processed', async () => {
  const inner = memoryCluster({ partitions: 1 });
  inner.createTopic({ name: 'in', partitions: 1 });
  inner.createTopic({ name: 'out', partitions: 1 });
  const held = new HeldCluster(inner);
  // The request carrying M4's output is held, then fails.
  held.failSendsWhen = (records) => records.some((r) => r.value?.toString() === 'M4');
  const seen: string[] = [];
  const g = defineGroup(
    'forwarder',
    output('out', string()),
    input('in', string(), (ctx, m) => {
      seen.push(m);
      ctx.emit('out', ctx.key, m);
    }),
  );
  const p = new Processor(g, { cluster: held.cluster, logger: testLogger() });
  stops.push(() => p.stop());
  await p.start();
  const producer = inner.producer();
  const send = (m: string) =>
    producer.send([{ topic: 'in', partition: 0, key: Buffer.from('k'), value: Buffer.from(m) }]);
  for (const m of ['M1', 'M2', 'M3', 'M4']) await send(m);
  await until(() => held.heldSendCount === 1, 'the request with M4 in flight');
  // M5 is processed while M4's request is in flight: its output queues behind it.
  await send('M5');
  await until(() => seen.includes('M5'), 'M5 processed');
  held.releaseSends();
  await expect(p.done()).rejects.toThrow(/writing effects of partition 0 failed/);
  await send('M6');
  await new Promise((resolve) => setTimeout(resolve, 50));
  // Nothing after the failed request reached the output (M5 would overtake the retried M4),
  // and no message after the failure ran its callback.
  expect(held.sent.filter((r) => r.topic === 'out').map((r) => r.value?.toString())).not.toContain('M5');
  expect(seen).not.toContain('M6');
  expect(p.state).toBe('failed');
});
