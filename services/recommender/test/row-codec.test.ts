import { json } from '@showcase/goka';
import { describe, expect, it } from 'vitest';
import { rememberingJson } from '../src/row-codec.ts';

interface Row {
  readonly user: string;
  readonly taste: readonly number[];
  readonly liked?: readonly string[];
}

const row = (user: string, x: number): Row => ({ user, taste: [x, x / 2, -x], liked: [`${user}-a`, 'b'] });

describe('rememberingJson', () => {
  it('writes the bytes json() writes and reads back what json() reads', () => {
    const codec = rememberingJson<Row>();
    const plain = json<Row>();
    const r = row('u1', 0.125);
    const raw = codec.encode(r);
    expect(raw.equals(plain.encode(r))).toBe(true);
    expect(codec.decode(Buffer.from(raw))).toEqual(plain.decode(raw));
    expect(codec.decode(plain.encode(row('u2', 3)))).toEqual(row('u2', 3));
  });

  it('returns the row it wrote for the same Buffer and for a byte-equal copy, parsing neither', () => {
    const codec = rememberingJson<Row>();
    const r = row('u1', 1);
    const raw = codec.encode(r);
    expect(codec.decode(raw)).toBe(r);
    const copy = Buffer.concat([Buffer.from('xx'), raw]).subarray(2);
    expect(codec.decode(copy)).toBe(r);
  });

  it('never returns a remembered row for other bytes, also when they look alike', () => {
    const codec = rememberingJson<Row>();
    const a = row('u1', 0.111111);
    codec.encode(a);
    // Same length and the same first bytes: only a digit deep inside differs.
    const other = Buffer.from(JSON.stringify(row('u1', 0.111112)));
    const decoded = codec.decode(other);
    expect(decoded).not.toBe(a);
    expect(decoded).toEqual(row('u1', 0.111112));
  });

  it('stays within its bounds: the oldest rows are parsed again', () => {
    const codec = rememberingJson<Row>({ maxEntries: 2 });
    const rows = [row('a', 1), row('b', 2), row('c', 3)];
    const raws = rows.map((r) => Buffer.from(codec.encode(r)));
    expect(codec.decode(raws[2]!)).toBe(rows[2]);
    expect(codec.decode(raws[1]!)).toBe(rows[1]);
    const first = codec.decode(raws[0]!);
    expect(first).not.toBe(rows[0]);
    expect(first).toEqual(rows[0]);
  });

  it('refuses undefined as json() does', () => {
    expect(() => rememberingJson<undefined>().encode(undefined)).toThrow(TypeError);
  });
});
