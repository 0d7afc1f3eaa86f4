import { expect, it } from 'vitest';
import { createTester, defineGroup, input, json, persist } from '../src/index.ts';

it('counts clicks per user', async () => {
  const t = createTester();
  const g = defineGroup(
    'click-counter',
    persist(json<number>()),
    input('user-clicks', json<{ page: string }>(), (ctx) => {
      ctx.setValue((ctx.value() ?? 0) + 1);
    }),
  );
  await t.processor(g);
  for (let i = 0; i < 5; i++) await t.consume('user-clicks', `u${i % 2}`, { page: '/' });
  expect(t.tableValue(g, 'u0')).toBe(3);
  expect(t.tableValue(g, 'u1')).toBe(2);
  await t.stop();
});
