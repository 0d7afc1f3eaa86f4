import type { Codec } from '../codec.ts';

/** One window of a key: its start, its aggregate, and whether it was closed (onClose ran). */
export interface WindowEntry<T> {
  readonly start: number;
  readonly value: T;
  readonly closed: boolean;
}

/**
 * A key's windows, oldest first: the group table's value under a windowed table. One changelog
 * record per key (the plain key: views, routing and compaction work unchanged) carries the
 * key's live windows; retention bounds how many.
 */
export interface WindowRow<T> {
  readonly windows: readonly WindowEntry<T>[];
}

/**
 * Binary row codec around the aggregate's codec: u16 version 1, u32 count, then per window
 * start (f64 BE, exact for ms timestamps), closed (u8), value length (u32) and value bytes.
 */
export function windowRowCodec<T>(inner: Codec<T>): Codec<WindowRow<T>> {
  return {
    name: `windows(${inner.name})`,
    encode(row) {
      const values = row.windows.map((w) => inner.encode(w.value));
      const size = 6 + values.reduce((n, v) => n + 13 + v.length, 0);
      const out = Buffer.allocUnsafe(size);
      out.writeUInt16BE(1, 0);
      out.writeUInt32BE(row.windows.length, 2);
      let at = 6;
      row.windows.forEach((w, i) => {
        const v = values[i]!;
        out.writeDoubleBE(w.start, at);
        out.writeUInt8(w.closed ? 1 : 0, at + 8);
        out.writeUInt32BE(v.length, at + 9);
        v.copy(out, at + 13);
        at += 13 + v.length;
      });
      return out;
    },
    decode(raw) {
      if (raw.length < 6 || raw.readUInt16BE(0) !== 1) throw new Error('not a window row (version 1)');
      const count = raw.readUInt32BE(2);
      const windows: WindowEntry<T>[] = [];
      let at = 6;
      for (let i = 0; i < count; i++) {
        const start = raw.readDoubleBE(at);
        const closed = raw.readUInt8(at + 8) === 1;
        const length = raw.readUInt32BE(at + 9);
        const value = inner.decode(raw.subarray(at + 13, at + 13 + length));
        windows.push({ start, value, closed });
        at += 13 + length;
      }
      return { windows };
    },
  };
}
