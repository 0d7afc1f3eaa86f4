import { edgeTypes } from '@showcase/contracts';
import { badRequest, Type } from '@showcase/service-kit';
import { parseCursor } from '../lists.ts';

/** A string enum as TypeBox's `Unsafe` (the contracts' literal tuples stay the source). */
export const literals = <T extends string>(values: readonly T[]) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values] });

export const EdgeSchema = Type.Object({
  user: Type.String({ description: 'the other side' }),
  type: literals(edgeTypes),
  count: Type.Integer({ description: 'interactions of this type since the edge was (re)created' }),
  first: Type.String({ format: 'date-time' }),
  last: Type.String({ format: 'date-time' }),
});
export const MatchSchema = Type.Object({ user: Type.String(), since: Type.String({ format: 'date-time' }) });
export const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 }));
export const CursorParam = Type.Optional(
  Type.String({ minLength: 1, maxLength: 80, description: '`next` of the previous page' }),
);

/** The `cursor` query parameter of a list, decoded; a 400 naming it when it is not one. */
export function cursorOf(raw: string | undefined, typed: boolean) {
  if (raw === undefined) return undefined;
  const cursor = parseCursor(raw, typed);
  if (!cursor) throw badRequest('querystring.cursor is not a cursor of this list', 'querystring.cursor');
  return cursor;
}
