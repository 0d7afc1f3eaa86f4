import type { Codec } from '../codec.ts';
import { type Context, type PersistEdge, persist } from '../edges.ts';
import { type TimerEdge, timer } from '../schedule/edges.ts';
import type { View } from '../view.ts';
import { type SessionEntry, type SessionRow, sessionRowCodec } from './session-row.ts';
import type { Window } from './window-spec.ts';
import type { WindowValue } from './windowed-table.ts';

/**
 * Session windows (Kafka Streams' `SessionWindows`): a key's records closer than `gap` to each
 * other form one session `[first, last]` (both inclusive); a record between two sessions that
 * is within `gap` of both merges them. A session closes when stream time passes
 * `end + gap + grace` — no later record can join it then — and is dropped once stream time
 * passes `end + retention`.
 */
export interface SessionSpec {
  readonly gap: number;
  readonly grace: number;
  /** How long after its last record a session stays readable (≥ gap + grace: until it closes). */
  readonly retention: number;
}

export function sessionWindows(
  gap: number,
  options: { grace?: number; retention?: number } = {},
): SessionSpec {
  if (!Number.isSafeInteger(gap) || gap <= 0)
    throw new TypeError('session gap must be a positive integer of ms');
  const grace = options.grace ?? 0;
  if (!Number.isSafeInteger(grace) || grace < 0) throw new TypeError('grace must be ≥ 0 ms');
  const retention = options.retention ?? gap + grace;
  if (!Number.isSafeInteger(retention) || retention < gap + grace) {
    throw new TypeError('retention must be ≥ gap + grace: a session is readable at least until it closes');
  }
  return Object.freeze({ gap, grace, retention });
}

export interface SessionTableOptions<T> {
  /** Runs once per session when it closes, with the row's context (emit the final aggregate). */
  readonly onClose?: (ctx: Context<SessionRow<T>>, session: WindowValue<T>) => void | Promise<void>;
  /** Stream time between two sweeps of the partition's rows (default: the gap). */
  readonly every?: number;
}

/**
 * A session-windowed table (`groupByKey().windowedBy(SessionWindows...).aggregate(init, agg,
 * merger)`) on the group table and a stream-time timer, in the row form of `windowedTable`: a
 * key's sessions live in its own row. Declare `...sessions.edges()` in the group.
 */
export class SessionTable<T> {
  readonly codec: Codec<SessionRow<T>>;
  /** Per partition: the largest record timestamp `update` saw (late records are dropped). */
  private readonly streamTimes = new Map<number, number>();
  private lateRecords = 0;

  constructor(
    readonly name: string,
    readonly spec: SessionSpec,
    valueCodec: Codec<T>,
    private readonly options: SessionTableOptions<T> = {},
  ) {
    this.codec = sessionRowCodec(valueCodec);
  }

  /** The group's table (`persist`) and the stream-time timer that closes and drops sessions. */
  edges(): [PersistEdge<SessionRow<T>>, TimerEdge<SessionRow<T>>] {
    const every = this.options.every ?? this.spec.gap;
    return [
      persist(this.codec),
      timer<SessionRow<T>>(`sessions-${this.name}`, { every, clock: 'stream' }, (t) =>
        t.visit((ctx) => this.expire(ctx, t.streamTime)).then(() => undefined),
      ),
    ];
  }

  /** Records dropped because the session they would start or join had closed. */
  get late(): number {
    return this.lateRecords;
  }

  /**
   * In a callback: adds the current record (at `ctx.timestamp`) to its key's sessions. Every
   * open session within `gap` of it is merged (`merge(older, newer)`, oldest first), then the
   * record is folded in (`fold(undefined, …)` when it starts a new session). Returns the
   * session it landed in, or undefined when the record was late.
   */
  update(
    ctx: Context<SessionRow<T>>,
    fold: (previous: T | undefined, session: Window) => T,
    merge: (older: T, newer: T) => T,
  ): Window | undefined {
    const ts = ctx.timestamp;
    const streamTime = Math.max(this.streamTimes.get(ctx.partition) ?? ts, ts);
    this.streamTimes.set(ctx.partition, streamTime);
    const { gap, grace } = this.spec;
    if (ts + gap + grace < streamTime) {
      this.lateRecords++;
      return undefined;
    }
    const joinable = (s: SessionEntry<T>) =>
      !s.closed && s.end + gap + grace >= streamTime && s.start - gap <= ts && ts <= s.end + gap;
    const sessions = ctx.value()?.sessions ?? [];
    let start = ts;
    let end = ts;
    let merged: { value: T } | undefined;
    const kept: SessionEntry<T>[] = [];
    for (const s of sessions) {
      if (!joinable(s)) {
        kept.push(s);
        continue;
      }
      start = Math.min(start, s.start);
      end = Math.max(end, s.end);
      merged = { value: merged ? merge(merged.value, s.value) : s.value };
    }
    const session = { start, end };
    kept.push({ start, end, value: fold(merged?.value, session), closed: false });
    kept.sort((a, b) => a.start - b.start);
    ctx.setValue({ sessions: kept });
    return session;
  }

  /** The sessions of a row that overlap `[from, to]` (Kafka Streams' `fetch(key, from, to)`). */
  fetch(row: SessionRow<T> | undefined, from: number, to: number): WindowValue<T>[] {
    return (row?.sessions ?? [])
      .filter((s) => s.end >= from && s.start <= to)
      .map((s) => ({ start: s.start, end: s.end, value: s.value, closed: s.closed }));
  }

  /** The same range read of a key through a view of the table. */
  async fetchFrom(
    view: View<SessionRow<T>>,
    key: string,
    from: number,
    to: number,
  ): Promise<WindowValue<T>[]> {
    return this.fetch(await view.get(key), from, to);
  }

  /** The timer's step for one row: close what passed its gap + grace, drop what passed its retention. */
  private async expire(ctx: Context<SessionRow<T>>, streamTime: number): Promise<void> {
    const row = ctx.value();
    if (!row) return;
    const { gap, grace, retention } = this.spec;
    let changed = false;
    const kept: SessionEntry<T>[] = [];
    for (const s of row.sessions) {
      let entry = s;
      if (!s.closed && s.end + gap + grace < streamTime) {
        await this.options.onClose?.(ctx, { start: s.start, end: s.end, value: s.value, closed: true });
        entry = { ...s, closed: true };
        changed = true;
      }
      if (s.end + retention < streamTime) {
        changed = true;
        continue;
      }
      kept.push(entry);
    }
    if (!changed) return;
    if (kept.length === 0) ctx.delete();
    else ctx.setValue({ sessions: kept });
  }
}

/** A session-windowed table named `name` (the timer is `sessions-<name>`). */
export function sessionTable<T>(
  name: string,
  spec: SessionSpec,
  valueCodec: Codec<T>,
  options: SessionTableOptions<T> = {},
): SessionTable<T> {
  return new SessionTable(name, spec, valueCodec, options);
}
