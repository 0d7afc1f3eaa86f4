import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import {
  defineGroup,
  Emitter,
  input,
  json,
  levelStorage,
  lookup,
  memoryCluster,
  output,
  Processor,
} from '../src/index.ts';
import { eventually, testLogger } from './support/kafka.ts';
import { Tmpfs } from './support/tmpfs.ts';

/**
 * Issue 26, "disk and data", for a processor's lookup view: its stores on a real 1 MiB tmpfs
 * that fills up. The view stalls, and a callback whose lookup meets the stalled view stalls its
 * partition — it is not dead-lettered (the group's policy here), the processor does not fail —
 * and once space returns every input is answered with the looked-up value.
 */
const closers: (() => Promise<unknown>)[] = [];
let disk: Tmpfs | undefined;
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  disk?.unmount();
  disk = undefined;
});

interface Profile {
  readonly name: string;
  readonly pad: string;
}
const PAD = 'x'.repeat(200);

it('a lookup that meets a stalled view stalls the partition, never dead-letters, and answers once space returns', async () => {
  disk = Tmpfs.mount(1024);
  const cluster = memoryCluster({ partitions: 2 });
  cluster.createTopic({ name: 'profiles', partitions: 2, compacted: true });
  cluster.createTopic({ name: 'greet', partitions: 2 });
  const profiles = new Emitter({ cluster, topic: 'profiles', codec: json<Profile>() });
  const greet = new Emitter({ cluster, topic: 'greet', codec: json<number>() });
  closers.push(
    () => profiles.close(),
    () => greet.close(),
  );
  const profileTable = lookup('profiles', json<Profile>());
  const group = defineGroup(
    'greeter',
    profileTable,
    input('greet', json<number>(), async (ctx, n) => {
      const profile = await ctx.lookup(profileTable, ctx.key);
      ctx.emit('greetings', ctx.key, `${n}:${profile?.name ?? '?'}`);
    }),
    output('greetings', json<string>()),
  );
  const processor = new Processor(group, {
    cluster,
    storage: levelStorage({ path: join(disk.dir, 'tables') }),
    onError: 'dead-letter',
    logger: testLogger(),
  });
  closers.push(() => processor.stop());
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => profiles.emit(`u${i}`, { name: `n${i}`, pad: PAD })),
  );
  await processor.start();

  // The disk fills; new profiles reach the lookup view's stores, which refuse them.
  disk.fill();
  await Promise.all(
    Array.from({ length: 300 }, (_, i) => profiles.emit(`u${i % 10}`, { name: `m${i % 10}`, pad: PAD })),
  );
  await Promise.all(Array.from({ length: 10 }, (_, i) => greet.emit(`u${i}`, i)));
  await eventually(() => processor.stats().partitions.some((p) => p.state === 'stalled'), {
    what: 'a partition stalled on its lookup view',
  });
  expect(processor.error).toBeUndefined();

  disk.free();
  const answered = () => {
    const answers = new Map<string, string>();
    for (const p of [0, 1]) {
      for (const r of cluster.records('greetings', p))
        answers.set(r.key!.toString(), JSON.parse(r.value!.toString()));
    }
    return answers;
  };
  await eventually(() => answered().size === 10, { what: 'every greeting answered' });
  // Answered after the view caught up: the latest profile of each key.
  expect(answered()).toEqual(new Map(Array.from({ length: 10 }, (_, i) => [`u${i}`, `${i}:m${i}`])));
  // The dead-letter topic (created with the group) stays empty.
  const deadLetters = [0, 1].flatMap((p) =>
    cluster.topicNames().includes('greeter-dlq') ? cluster.records('greeter-dlq', p) : [],
  );
  expect(deadLetters).toEqual([]);
  expect(processor.error).toBeUndefined();
}, 120_000);
