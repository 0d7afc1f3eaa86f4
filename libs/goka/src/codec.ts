/**
 * A codec turns a typed value into bytes and back. Every edge of a group carries one, so the
 * type of a topic's values flows from the edge into the callbacks without casts.
 */
export interface Codec<T> {
  readonly name: string;
  encode(value: T): Buffer;
  decode(data: Buffer): T;
}

/** JSON as UTF-8. The type parameter is a promise the producer keeps, not a runtime check. */
export function json<T>(): Codec<T> {
  return {
    name: 'json',
    encode: (value) => {
      const text = JSON.stringify(value);
      // JSON.stringify(undefined) is undefined: writing it would silently produce an empty record.
      if (text === undefined) throw new TypeError('json codec: value is not JSON-serialisable');
      return Buffer.from(text, 'utf8');
    },
    decode: (data) => JSON.parse(data.toString('utf8')) as T,
  };
}

export function string(): Codec<string> {
  return {
    name: 'string',
    encode: (value) => Buffer.from(value, 'utf8'),
    decode: (data) => data.toString('utf8'),
  };
}

export function bytes(): Codec<Buffer> {
  return {
    name: 'bytes',
    encode: (value) => value,
    decode: (data) => data,
  };
}

/** Thrown when a record cannot be decoded; carries where the record came from. */
export class DecodeError extends Error {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    cause: unknown,
  ) {
    super(
      `cannot decode record ${topic}/${partition}@${offset}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = 'DecodeError';
  }
}
