import {
  type Edge,
  type EdgeType,
  edgeTypes,
  type Interaction,
  type MatchEvent,
  pairKey,
} from '@showcase/contracts';
import { type Context, defineGroup, input, loopback, output, persist } from '@showcase/goka';
import { applyToRow, emptyRow } from '../edges.ts';
import { edgeIndexKey, matchIndexKey } from '../index-keys.ts';
import type {
  Direction,
  IndexUpdate,
  Notification,
  NotificationType,
  PairCommand,
  PairRow,
} from '../model.ts';
import { edgeSetTopology, type Topology } from '../topics.ts';
import { invalidInteraction } from '../validate.ts';

const notified: Partial<Record<EdgeType, NotificationType>> = {
  like: 'liked-you',
  visit: 'visited-you',
  message: 'messaged-you',
};

const edgeOf = (edges: readonly Edge[], type: EdgeType) => edges.find((e) => e.type === type);
const sameEdge = (a: Edge | undefined, b: Edge | undefined) =>
  a === b ||
  (a !== undefined && b !== undefined && a.count === b.count && a.first === b.first && a.last === b.last);

/**
 * The index rows of `row.user` that changed between two states of the row: its edges to
 * `row.other` per direction and type, and the match. Only this row writes those keys, so their
 * updates stay in order.
 */
function indexChanges(before: PairRow, after: PairRow): [string, IndexUpdate][] {
  const changes: [string, IndexUpdate][] = [];
  for (const direction of ['out', 'in'] as const) {
    for (const type of edgeTypes) {
      const was = edgeOf(before[direction], type);
      const now = edgeOf(after[direction], type);
      if (sameEdge(was, now)) continue;
      changes.push([
        edgeIndexKey(after.user, direction, type, after.other),
        { entry: now ? { kind: 'edge', edge: now } : null },
      ]);
    }
  }
  if (before.matchSince !== after.matchSince) {
    changes.push([
      matchIndexKey(after.user, after.other),
      {
        entry:
          after.matchSince === undefined
            ? null
            : { kind: 'match', user: after.other, since: after.matchSince },
      },
    ]);
  }
  return changes;
}

type PairsContext = Context<PairRow, PairCommand>;

function apply(t: Topology, ctx: PairsContext, direction: Direction, event: Interaction): void {
  const user = direction === 'out' ? event.from : event.to;
  const other = direction === 'out' ? event.to : event.from;
  const before = ctx.value() ?? emptyRow(user, other);
  const after = applyToRow(before, direction, event);
  if (!after) return; // seen before: a duplicate record of an applied interaction
  ctx.setValue(after);
  // The far row learns about the interaction as its in-edge.
  if (direction === 'out') ctx.loopback(pairKey(event.to, event.from), { direction: 'in', event });
  for (const [key, update] of indexChanges(before, after)) ctx.emit(t.indexUpdates.name, key, update);

  const blocksOther = after.out.some((e) => e.type === 'block');
  const notify = (type: NotificationType, at: string) => {
    // Never a notification from someone the user blocks.
    if (!blocksOther) ctx.emit(t.notifications.name, user, { type, user: other, at } satisfies Notification);
  };
  const kind = notified[event.type as EdgeType];
  if (direction === 'in' && kind) notify(kind, new Date(event.at).toISOString());

  const started = before.matchSince === undefined && after.matchSince !== undefined;
  const ended = before.matchSince !== undefined && after.matchSince === undefined;
  if (started || ended) {
    const type = started ? 'new-match' : 'match-ended';
    const at = started ? after.matchSince! : new Date(event.at).toISOString();
    const match: MatchEvent = { id: `${event.id}:${user}`, type, user, other, at };
    ctx.emit(t.matchEvents.name, user, match);
    notify(type, at);
  }
}

/**
 * Per ordered pair `user|other` (the contract's `edge-set-pairs-table`): the edges user → other
 * (`out`), other → user (`in`) and the match. An interaction a → b arrives keyed by the actor
 * `a`, is re-keyed to row `a|b` (loopback; one actor's interactions with b stay in order), updates
 * `out` there, and is mirrored to row `b|a` (loopback) as its `in`. Each row detects its own
 * match transitions and emits them for its own user. One interaction touches two rows of
 * bounded size, whatever the degree of either user.
 */
export function pairsGroup(t: Topology = edgeSetTopology) {
  return defineGroup<PairRow, PairCommand>(
    t.groups.pairs,
    persist(t.tables.pairs.codec),
    loopback(t.pairLoop.codec, (ctx, command) => apply(t, ctx, command.direction, command.event)),
    input(t.interactions.name, t.interactions.codec, (ctx, event) => {
      const problem = invalidInteraction(event);
      if (problem) throw new TypeError(`invalid interaction: ${problem}`);
      ctx.loopback(pairKey(event.from, event.to), { direction: 'out', event });
    }),
    output(t.indexUpdates.name, t.indexUpdates.codec),
    output(t.notifications.name, t.notifications.codec),
    output(t.matchEvents.name, t.matchEvents.codec),
  );
}
