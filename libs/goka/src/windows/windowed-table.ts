import type { Codec } from '../codec.ts';
import { type Context, type PersistEdge, persist } from '../edges.ts';
import { type TimerEdge, timer } from '../schedule/edges.ts';
import type { View } from '../view.ts';
import { type WindowEntry, type WindowRow, windowRowCodec } from './window-row.ts';
import { type Window, type WindowSpec, windowStarts } from './window-spec.ts';

/** A window of a key with its aggregate, as reads return it. */
export interface WindowValue<T> extends Window {
  readonly value: T;
  readonly closed: boolean;
}

export interface WindowedTableOptions<T> {
  /**
   * Runs once per window when stream time passes its end + grace, with the row's context (emit
   * the final aggregate from here; the row itself is written by the windowed table).
   */
  readonly onClose?: (ctx: Context<WindowRow<T>>, window: WindowValue<T>) => void | Promise<void>;
}

/**
 * A windowed table (Kafka Streams' windowed store behind `windowedBy(...).aggregate`, Faust's
 * `.tumbling()`/`.hopping()` tables) built on the group table and a stream-time timer: each
 * key's row holds its windows; records update the windows that contain their timestamp; the
 * timer closes windows (`onClose`) when the partition's stream time passes `end + grace` and
 * drops them at `end + retention`. Declare `...windows.edges()` in the group.
 */
export class WindowedTable<T> {
  readonly codec: Codec<WindowRow<T>>;
  /** Per partition: the largest record timestamp `update` saw (late records are dropped). */
  private readonly streamTimes = new Map<number, number>();
  private lateRecords = 0;

  constructor(
    readonly name: string,
    readonly spec: WindowSpec,
    valueCodec: Codec<T>,
    private readonly options: WindowedTableOptions<T> = {},
  ) {
    this.codec = windowRowCodec(valueCodec);
  }

  /** The group's table (`persist`) and the stream-time timer that closes and drops windows. */
  edges(): [PersistEdge<WindowRow<T>>, TimerEdge<WindowRow<T>>] {
    return [
      persist(this.codec),
      timer<WindowRow<T>>(`windows-${this.name}`, { every: this.spec.advance, clock: 'stream' }, (t) =>
        t.visit((ctx) => this.expire(ctx, t.streamTime)).then(() => undefined),
      ),
    ];
  }

  /** Records dropped because every window they fell in had closed. */
  get late(): number {
    return this.lateRecords;
  }

  /**
   * In a callback: folds the current record (at `ctx.timestamp`) into every open window of the
   * key that contains it. Returns how many windows it updated (0: the record was late).
   */
  update(ctx: Context<WindowRow<T>>, fold: (previous: T | undefined, window: Window) => T): number {
    const ts = ctx.timestamp;
    const streamTime = Math.max(this.streamTimes.get(ctx.partition) ?? ts, ts);
    this.streamTimes.set(ctx.partition, streamTime);
    const { size, grace } = this.spec;
    const entries = [...(ctx.value()?.windows ?? [])];
    let updated = 0;
    for (const start of windowStarts(this.spec, ts)) {
      if (start + size + grace <= streamTime) continue; // closed by now
      const i = entries.findIndex((e) => e.start === start);
      const previous = i >= 0 ? entries[i] : undefined;
      if (previous?.closed) continue;
      const entry: WindowEntry<T> = {
        start,
        value: fold(previous?.value, { start, end: start + size }),
        closed: false,
      };
      if (i >= 0) entries[i] = entry;
      else entries.push(entry);
      updated++;
    }
    if (updated === 0) {
      this.lateRecords++;
      return 0;
    }
    entries.sort((a, b) => a.start - b.start);
    ctx.setValue({ windows: entries });
    return updated;
  }

  /** The windows of a row whose start lies in `[from, to]` (Kafka Streams' `fetch(key, from, to)`). */
  fetch(row: WindowRow<T> | undefined, from: number, to: number): WindowValue<T>[] {
    return (row?.windows ?? [])
      .filter((w) => w.start >= from && w.start <= to)
      .map((w) => ({ start: w.start, end: w.start + this.spec.size, value: w.value, closed: w.closed }));
  }

  /** The same range read of a key through a view of the table. */
  async fetchFrom(
    view: View<WindowRow<T>>,
    key: string,
    from: number,
    to: number,
  ): Promise<WindowValue<T>[]> {
    return this.fetch(await view.get(key), from, to);
  }

  /** The timer's step for one row: close what passed its grace, drop what passed its retention. */
  private async expire(ctx: Context<WindowRow<T>>, streamTime: number): Promise<void> {
    const row = ctx.value();
    if (!row) return;
    const { size, grace, retention } = this.spec;
    let changed = false;
    const kept: WindowEntry<T>[] = [];
    for (const w of row.windows) {
      const end = w.start + size;
      let entry = w;
      if (!w.closed && end + grace <= streamTime) {
        await this.options.onClose?.(ctx, { start: w.start, end, value: w.value, closed: true });
        entry = { ...w, closed: true };
        changed = true;
      }
      if (end + retention <= streamTime) {
        changed = true;
        continue;
      }
      kept.push(entry);
    }
    if (!changed) return;
    if (kept.length === 0) ctx.delete();
    else ctx.setValue({ windows: kept });
  }
}

/** A windowed table named `name` (the timer is `windows-<name>`). */
export function windowedTable<T>(
  name: string,
  spec: WindowSpec,
  valueCodec: Codec<T>,
  options: WindowedTableOptions<T> = {},
): WindowedTable<T> {
  return new WindowedTable(name, spec, valueCodec, options);
}
