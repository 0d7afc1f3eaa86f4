import type { ConsumedRecord } from '../cluster/cluster.ts';
import { type Codec, DecodeError } from '../codec.ts';
import type { Group } from '../group.ts';
import type { PartitionTables } from './partition-recovery.ts';
import type { TableState } from './table-state.ts';

/** The joined values of a group without joins (shared: nobody writes to it). */
export const NO_JOINS: ReadonlyMap<string, unknown> = new Map();

/** `valueNow` found neither a pending write nor a cached value: the store must be read. */
export const NOT_CACHED: unique symbol = Symbol('not cached');

/** A record's key as the table and the callbacks see it. */
export function keyOf(record: ConsumedRecord): string {
  return record.key?.toString('utf8') ?? '';
}

/**
 * What a message reads before its callback runs: the group table's current value of its key
 * and the joined tables' values. The table value usually comes without waiting (a pending write
 * or the value cache, which the batch's prefetch filled), so the common path allocates no
 * promise; only a store read or a join waits.
 */
export class MessageReads {
  constructor(
    private readonly group: Group<unknown, unknown>,
    private readonly codec: Codec<unknown> | undefined,
    private readonly partition: number,
    private readonly tables: PartitionTables,
  ) {}

  /** Whether the group joins tables (every message then reads them from their stores). */
  get joins(): boolean {
    return this.group.joins.length > 0;
  }

  /** The decoded current value when it is at hand, `NOT_CACHED` when the store must be read. */
  valueNow(table: TableState | undefined, key: string): unknown {
    if (!this.codec || !table) return undefined;
    const raw = table.peek(key);
    return raw === undefined ? NOT_CACHED : this.decode(raw);
  }

  /** The decoded current value, read from the store when it is not at hand. */
  async value(table: TableState | undefined, key: string): Promise<unknown> {
    if (!this.codec || !table) return undefined;
    return this.decode(await table.read(key));
  }

  /** The joined tables' values of the key (absent ones are missing from the map). */
  async joined(key: string): Promise<ReadonlyMap<string, unknown>> {
    if (this.group.joins.length === 0) return NO_JOINS;
    const joined = new Map<string, unknown>();
    for (const j of this.group.joins) {
      const raw = await this.tables.joinStores.get(j.table)!.get(key);
      if (raw === undefined) continue;
      try {
        joined.set(j.table, j.codec.decode(raw));
      } catch (error) {
        throw new DecodeError(j.table, this.partition, -1, error);
      }
    }
    return joined;
  }

  private decode(raw: Buffer | null): unknown {
    if (raw === null) return undefined;
    try {
      return this.codec!.decode(raw);
    } catch (error) {
      throw new DecodeError(this.group.table, this.partition, -1, error);
    }
  }
}
