import { describe, expect, expectTypeOf, it } from 'vitest';
import { type Context, defineGroup, input, join, json, loopback, persist, string } from '../src/index.ts';

interface Click {
  page: string;
}

// These assertions are checked by `npm run lint` (tsc); the runtime part keeps vitest honest.
describe('types flow from edges to callbacks', () => {
  it('persist declared first types ctx.value() and setValue()', () => {
    const g = defineGroup(
      'click-counter',
      persist(json<number>()),
      input('user-clicks', json<Click>(), (ctx, click) => {
        expectTypeOf(click).toEqualTypeOf<Click>();
        expectTypeOf(ctx.value()).toEqualTypeOf<number | undefined>();
        ctx.setValue((ctx.value() ?? 0) + 1);
      }),
    );
    expect(g.table).toBe('click-counter-table');
  });

  it('an explicit type argument works in any edge order', () => {
    const g = defineGroup<number>(
      'click-counter',
      input('user-clicks', json<Click>(), (ctx) => {
        ctx.setValue((ctx.value() ?? 0) + 1);
        // @ts-expect-error a string is not the table's type
        ctx.setValue('x');
      }),
      persist(json<number>()),
    );
    expect(g.inputs).toHaveLength(1);
  });

  it('join edges type ctx.join(edge); loopback types ctx.loopback()', () => {
    const blocked = join('blocker-table', json<{ blocked: boolean }>());
    defineGroup(
      'x',
      persist(json<number>()),
      loopback(json<{ n: number }>(), (ctx: Context<number, { n: number }>, m) => {
        expectTypeOf(m).toEqualTypeOf<{ n: number }>();
        ctx.setValue((ctx.value() ?? 0) + m.n);
      }),
      blocked,
      input('a', string(), (ctx, to) => {
        expectTypeOf(ctx.join(blocked)).toEqualTypeOf<{ blocked: boolean } | undefined>();
        ctx.loopback(to, { n: 1 });
      }),
    );
  });
});
