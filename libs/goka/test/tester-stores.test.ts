import { afterEach, expect, it } from 'vitest';
import {
  createTester,
  defineGroup,
  input,
  join,
  json,
  output,
  partitionFor,
  persist,
  string,
  type Tester,
} from '../src/index.ts';

let t: Tester;
afterEach(async () => {
  await t?.stop();
});

it("the tester gives a table's owner and its joiners stores of their own", async () => {
  t = createTester({ partitions: 3 });
  const profiles = defineGroup(
    'profiles',
    persist(json<{ name: string }>()),
    input('profile-set', json<{ name: string }>(), (ctx, p) => ctx.setValue(p)),
  );
  const greeter = defineGroup(
    'greeter',
    join(profiles.table, json<{ name: string }>()),
    output('greetings', string()),
    input('greet', string(), (ctx) => {
      const profile = ctx.join(profiles.table) as { name: string } | undefined;
      ctx.emit('greetings', ctx.key, `hello ${profile?.name ?? 'stranger'}`);
    }),
  );
  await t.processor(profiles);
  await t.processor(greeter);
  const out = t.track('greetings', string());
  await t.consume('profile-set', 'u1', { name: 'Ann' });
  expect(t.storageOf('profiles')).not.toBe(t.storageOf('greeter'));
  // The owner's copy is lost; the joiner's copy, recovered from the changelog, is its own.
  await (await t.storageOf('profiles').open(profiles.table, partitionFor('u1', 3))).clear();
  await t.consume('greet', 'u1', 'hi');
  expect(out.next()?.value).toBe('hello Ann');
});
