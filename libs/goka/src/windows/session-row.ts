import type { Codec } from '../codec.ts';

/**
 * One session of a key: the timestamps of its first and last record (both inclusive), its
 * aggregate, and whether it was closed (onClose ran).
 */
export interface SessionEntry<T> {
  readonly start: number;
  readonly end: number;
  readonly value: T;
  readonly closed: boolean;
}

/** A key's sessions, oldest first: the group table's value under a session table. */
export interface SessionRow<T> {
  readonly sessions: readonly SessionEntry<T>[];
}

/** The row's tag: a session row never decodes as a window row (`windowRowCodec`, version 1). */
const SESSION_ROW = 0x5301;

/**
 * Binary row codec around the aggregate's codec: u16 tag 0x5301, u32 count, then per session
 * start and end (f64 BE, exact for ms timestamps), closed (u8), value length (u32), value bytes.
 */
export function sessionRowCodec<T>(inner: Codec<T>): Codec<SessionRow<T>> {
  return {
    name: `sessions(${inner.name})`,
    encode(row) {
      const values = row.sessions.map((s) => inner.encode(s.value));
      const out = Buffer.allocUnsafe(6 + values.reduce((n, v) => n + 21 + v.length, 0));
      out.writeUInt16BE(SESSION_ROW, 0);
      out.writeUInt32BE(row.sessions.length, 2);
      let at = 6;
      row.sessions.forEach((s, i) => {
        const v = values[i]!;
        out.writeDoubleBE(s.start, at);
        out.writeDoubleBE(s.end, at + 8);
        out.writeUInt8(s.closed ? 1 : 0, at + 16);
        out.writeUInt32BE(v.length, at + 17);
        v.copy(out, at + 21);
        at += 21 + v.length;
      });
      return out;
    },
    decode(raw) {
      if (raw.length < 6 || raw.readUInt16BE(0) !== SESSION_ROW) throw new Error('not a session row');
      const count = raw.readUInt32BE(2);
      const sessions: SessionEntry<T>[] = [];
      let at = 6;
      for (let i = 0; i < count; i++) {
        const start = raw.readDoubleBE(at);
        const end = raw.readDoubleBE(at + 8);
        const closed = raw.readUInt8(at + 16) === 1;
        const length = raw.readUInt32BE(at + 17);
        sessions.push({ start, end, closed, value: inner.decode(raw.subarray(at + 21, at + 21 + length)) });
        at += 21 + length;
      }
      return { sessions };
    },
  };
}
