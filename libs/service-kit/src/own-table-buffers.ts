import type { Codec, Group } from '@showcase/goka';

/**
 * A Buffer that owns its memory: a copy when `b` is a view into a larger ArrayBuffer. Node's
 * `Buffer.from(string)` (what `json()` encodes with) hands out slices of a shared 8 KiB pool, so
 * whoever keeps one small value keeps the whole slab alive.
 */
export function ownBuffer(b: Buffer): Buffer {
  if (b.byteLength === b.buffer.byteLength) return b;
  const own = Buffer.allocUnsafeSlow(b.byteLength);
  b.copy(own);
  return own;
}

/**
 * The group with table values encoded into buffers of their own. goka's table value cache keeps
 * the encoded value of up to 10 000 keys a partition; as pool slices each pinned an 8 KiB slab
 * (a soak's edge-set: 6 387 slabs, 50 MiB, growing with the keys touched, while the cache counts
 * about 200 bytes an entry). One copy of a small value per table write stops that.
 *
 * A stopgap at the one place service-kit creates processors: the fix belongs in goka's
 * ValueCache (copy on `set`), and this wrapper can go once goka does it.
 */
export function withOwnTableBuffers<V, L>(group: Group<V, L>): Group<V, L> {
  const persist = group.persist;
  if (!persist) return group;
  const codec: Codec<V> = {
    name: persist.codec.name,
    encode: (value) => ownBuffer(persist.codec.encode(value)),
    decode: (data) => persist.codec.decode(data),
  };
  return Object.freeze({ ...group, persist: Object.freeze({ ...persist, codec }) });
}
