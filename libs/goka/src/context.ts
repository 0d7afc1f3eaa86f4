import type { Headers, OutgoingRecord } from './cluster/cluster.ts';
import type { Codec } from './codec.ts';
import type { Context, JoinEdge, LookupEdge, OutputEdge } from './edges.ts';
import { partitionFor } from './murmur2.ts';

/** Where a context reads from and what it may write to; built once per partition task. */
export interface ContextScope {
  readonly group: string;
  readonly tableCodec: Codec<unknown> | undefined;
  readonly loop:
    | { readonly topic: string; readonly codec: Codec<unknown>; readonly partitions: number }
    | undefined;
  readonly outputs: ReadonlyMap<string, { readonly codec: Codec<unknown>; readonly partitions: number }>;
  readonly joins: ReadonlySet<string>;
  readonly lookup: ((table: string, key: string) => Promise<unknown>) | undefined;
  readonly lookups: ReadonlySet<string>;
}

/** The effects of one callback, applied only if it completes without error. */
export interface Effects {
  /** undefined: table untouched; null: deleted; Buffer: new encoded value. */
  table: Buffer | null | undefined;
  tableValue: unknown;
  /** Emits and loopbacks, in order; `NO_RECORDS` (shared, frozen) until the first one. */
  records: OutgoingRecord[];
}

/** Most callbacks emit nothing: they share this empty list instead of allocating one each. */
const NO_RECORDS: OutgoingRecord[] = Object.freeze([]) as unknown as OutgoingRecord[];

export class CallbackFailure extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'CallbackFailure';
  }
}

export class MessageContext implements Context<unknown, unknown> {
  readonly effects: Effects = { table: undefined, tableValue: undefined, records: NO_RECORDS };
  private current: unknown;

  constructor(
    private readonly scope: ContextScope,
    readonly key: string,
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    readonly timestamp: number,
    readonly headers: Readonly<Headers>,
    current: unknown,
    private readonly joined: ReadonlyMap<string, unknown>,
  ) {
    this.current = current;
  }

  get group(): string {
    return this.scope.group;
  }

  value(): unknown {
    this.requireTable('value()');
    return this.current;
  }

  setValue(value: unknown): void {
    const codec = this.requireTable('setValue()');
    if (value === undefined || value === null) {
      throw this.error('setValue(): value must not be null or undefined; use delete()');
    }
    this.effects.table = codec.encode(value);
    this.effects.tableValue = value;
    this.current = value;
  }

  delete(): void {
    this.requireTable('delete()');
    this.effects.table = null;
    this.effects.tableValue = undefined;
    this.current = undefined;
  }

  join(table: string | JoinEdge<unknown>): unknown {
    const name = typeof table === 'string' ? table : table.table;
    if (!this.scope.joins.has(name))
      throw this.error(`join("${name}"): the table is not declared with join()`);
    return this.joined.get(name);
  }

  lookup(table: string | LookupEdge<unknown>, key: string): Promise<unknown> {
    const name = typeof table === 'string' ? table : table.table;
    if (!this.scope.lookups.has(name) || !this.scope.lookup) {
      return Promise.reject(this.error(`lookup("${name}"): the table is not declared with lookup()`));
    }
    return this.scope.lookup(name, key);
  }

  emit(
    topic: string | OutputEdge<unknown>,
    key: string,
    value: unknown,
    options?: { headers?: Headers },
  ): void {
    const name = typeof topic === 'string' ? topic : topic.topic;
    const out = this.scope.outputs.get(name);
    if (!out) throw this.error(`emit("${name}"): the topic is not declared with output()`);
    const keyBytes = Buffer.from(String(key), 'utf8');
    this.record({
      topic: name,
      partition: partitionFor(keyBytes, out.partitions),
      key: keyBytes,
      value: value === null ? null : out.codec.encode(value),
      ...(options?.headers ? { headers: options.headers } : {}),
    });
  }

  loopback(key: string, value: unknown): void {
    const loop = this.scope.loop;
    if (!loop) throw this.error('loopback(): the group declares no loopback()');
    const keyBytes = Buffer.from(String(key), 'utf8');
    this.record({
      topic: loop.topic,
      partition: partitionFor(keyBytes, loop.partitions),
      key: keyBytes,
      value: loop.codec.encode(value),
    });
  }

  private record(record: OutgoingRecord): void {
    if (this.effects.records === NO_RECORDS) this.effects.records = [record];
    else this.effects.records.push(record);
  }

  fail(error: unknown): never {
    throw new CallbackFailure(error);
  }

  private requireTable(method: string): Codec<unknown> {
    if (!this.scope.tableCodec) throw this.error(`${method}: the group declares no persist() table`);
    return this.scope.tableCodec;
  }

  private error(message: string): Error {
    return new Error(`group "${this.scope.group}": ${message}`);
  }
}
