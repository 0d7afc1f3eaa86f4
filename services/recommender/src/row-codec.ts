import type { Codec } from '@showcase/goka';

/**
 * JSON for records this process both writes and reads: the learner writes a model row, reads it
 * again at the key's next message, and the service's own view of the table decodes the same
 * record from the changelog (the ranker's mirror); a loop message is written and read by the
 * same instance. Plain `json()` parsed every one of those reads (issue 29: the codec's decode was
 * 11.6 % of the recommender's CPU under load). This codec remembers what it encoded or decoded
 * last, by the bytes: a read of bytes it knows returns the value it already has — found by the
 * Buffer itself (goka's overlay and value cache hand back the very Buffer that was written) or by
 * a fingerprint of the bytes (a copy: the store, the changelog, the loop topic), confirmed byte
 * for byte, so a remembered value is only ever returned for identical bytes. Bounded in entries
 * and bytes; the oldest leave first.
 *
 * Values must be treated as immutable by every reader (they are shared), and a value handed to
 * `encode` is remembered as the value of its bytes: callers never change a row or message after
 * writing it, and its numbers are finite (the only values whose JSON round trip differs — NaN,
 * ±Infinity, undefined keys, -0 — never reach these topics, or print alike).
 */
export function rememberingJson<T>(options: { maxEntries?: number; maxBytes?: number } = {}): Codec<T> {
  const maxEntries = options.maxEntries ?? 16_384;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const byBuffer = new WeakMap<Buffer, T>();
  // Keyed by a fingerprint of the bytes; Map order is the order remembered (the oldest first).
  const byPrint = new Map<number, { readonly raw: Buffer; readonly value: T }>();
  let bytes = 0;

  const remember = (raw: Buffer, value: T, print: number) => {
    const old = byPrint.get(print);
    if (old) {
      byPrint.delete(print);
      bytes -= old.raw.length;
    }
    byPrint.set(print, { raw, value });
    bytes += raw.length;
    while (byPrint.size > maxEntries || bytes > maxBytes) {
      const oldest = byPrint.entries().next();
      if (oldest.done) break;
      byPrint.delete(oldest.value[0]);
      bytes -= oldest.value[1].raw.length;
    }
  };

  return {
    name: 'json (remembering)',
    encode(value) {
      const text = JSON.stringify(value);
      // JSON.stringify(undefined) is undefined: writing it would silently produce an empty record.
      if (text === undefined) throw new TypeError('json codec: value is not JSON-serialisable');
      // A Buffer of its own, not a slice of Node's 8 KiB pool: goka's value cache keeps it as it
      // is (a pool slice it copies), so the key's next read hands back this very Buffer, and a
      // remembered entry holds no slab. Measured: with pool slices the codec lost its gain.
      const raw = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'utf8'));
      raw.write(text, 'utf8');
      byBuffer.set(raw, value);
      remember(raw, value, fingerprint(raw));
      return raw;
    },
    decode(raw) {
      const known = byBuffer.get(raw);
      if (known !== undefined) return known;
      const print = fingerprint(raw);
      const entry = byPrint.get(print);
      if (entry?.raw.equals(raw)) {
        byBuffer.set(raw, entry.value);
        return entry.value;
      }
      const value = JSON.parse(raw.toString('utf8')) as T;
      byBuffer.set(raw, value);
      // A slice of a fetch response would keep the whole response alive: keep a copy.
      remember(raw.byteLength === raw.buffer.byteLength ? raw : Buffer.from(raw), value, print);
      return value;
    },
  };
}

/**
 * FNV-1a over the length, the first 64 bytes (a row's key fields) and up to 128 bytes sampled
 * across the rest. Only a hint: a hit is confirmed by comparing every byte.
 */
function fingerprint(b: Buffer): number {
  const n = b.length;
  let h = (0x811c9dc5 ^ n) >>> 0;
  const head = Math.min(n, 64);
  for (let i = 0; i < head; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  const step = Math.max(1, Math.floor((n - head) / 128));
  for (let i = head; i < n; i += step) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}
