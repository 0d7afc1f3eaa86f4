import { type Edge, type EdgeType, edgeTypes } from '@showcase/contracts';
import type { View } from '@showcase/goka';
import { edgeSectionPrefix, matchSectionPrefix, otherOf, sectionRange } from './index-keys.ts';
import type { Direction, IndexEntry } from './model.ts';
import { USER_ID } from './validate.ts';

/**
 * Paged lists over the index view. A page of `limit` reads at most `limit + 1` rows of each
 * section it spans (one section for a typed list or matches, the five edge types otherwise),
 * so its cost does not depend on how many edges the user has.
 */

export interface Page<T> {
  readonly items: T[];
  readonly next?: string;
}

/** A decoded cursor: the last other user of the previous page, and for untyped lists its last type. */
export interface Cursor {
  readonly other: string;
  readonly type?: EdgeType;
}

const CURSOR_TYPE_SEPARATOR = '~';
const typeIndex = new Map<string, number>(edgeTypes.map((t, i) => [t, i]));

/**
 * `other` (typed lists, matches) or `other~type` (lists of every type, where one other user can
 * have several edges and a page may end between them). Returns undefined for anything else.
 */
export function parseCursor(raw: string, typed: boolean): Cursor | undefined {
  const at = raw.indexOf(CURSOR_TYPE_SEPARATOR);
  const other = at < 0 ? raw : raw.slice(0, at);
  if (!USER_ID.test(other)) return undefined;
  if (at < 0) return { other };
  if (typed) return undefined;
  const type = raw.slice(at + 1);
  return typeIndex.has(type) ? { other, type: type as EdgeType } : undefined;
}

async function section<T>(
  view: View<IndexEntry>,
  prefix: string,
  limit: number,
  pick: (entry: IndexEntry) => T | undefined,
  after?: string,
  inclusive = false,
): Promise<{ other: string; item: T }[]> {
  const out: { other: string; item: T }[] = [];
  for await (const [key, entry] of view.iterate({ ...sectionRange(prefix, after, inclusive), limit })) {
    const item = pick(entry);
    if (item !== undefined) out.push({ other: otherOf(prefix, key), item });
  }
  return out;
}

const pickEdge = (entry: IndexEntry) => (entry.kind === 'edge' ? entry.edge : undefined);

export async function listEdges(
  view: View<IndexEntry>,
  user: string,
  direction: Direction,
  type: EdgeType | undefined,
  limit: number,
  cursor?: Cursor,
): Promise<Page<Edge>> {
  if (type !== undefined) {
    const rows = await section(
      view,
      edgeSectionPrefix(user, direction, type),
      limit + 1,
      pickEdge,
      cursor?.other,
    );
    const items = rows.slice(0, limit).map((r) => r.item);
    return rows.length > limit ? { items, next: rows[limit - 1]!.other } : { items };
  }
  // Every type: merge the five sections by (other user, type order).
  const afterType = cursor?.type === undefined ? Number.POSITIVE_INFINITY : typeIndex.get(cursor.type)!;
  const sections = await Promise.all(
    edgeTypes.map((t, i) =>
      section(
        view,
        edgeSectionPrefix(user, direction, t),
        limit + 1,
        pickEdge,
        cursor?.other,
        // Types after the cursor's type still have the cursor's user to list.
        i > afterType,
      ),
    ),
  );
  const merged = sections
    .flat()
    .sort((a, b) =>
      a.other < b.other
        ? -1
        : a.other > b.other
          ? 1
          : typeIndex.get(a.item.type)! - typeIndex.get(b.item.type)!,
    );
  const items = merged.slice(0, limit).map((r) => r.item);
  if (merged.length <= limit) return { items };
  const last = items[limit - 1]!;
  return { items, next: `${last.user}${CURSOR_TYPE_SEPARATOR}${last.type}` };
}

export interface MatchItem {
  readonly user: string;
  readonly since: string;
}

export async function listMatches(
  view: View<IndexEntry>,
  user: string,
  limit: number,
  cursor?: Cursor,
): Promise<Page<MatchItem>> {
  const rows = await section(
    view,
    matchSectionPrefix(user),
    limit + 1,
    (entry) => (entry.kind === 'match' ? { user: entry.user, since: entry.since } : undefined),
    cursor?.other,
  );
  const items = rows.slice(0, limit).map((r) => r.item);
  return rows.length > limit ? { items, next: rows[limit - 1]!.other } : { items };
}
