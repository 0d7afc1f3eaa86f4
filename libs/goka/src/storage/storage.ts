/**
 * Local state of one table partition. Values and the changelog offset they correspond to are
 * written in one atomic batch, so a reopened store resumes exactly at its checkpoint.
 */
export type StoreOp =
  | { readonly type: 'put'; readonly key: string; readonly value: Buffer }
  | { readonly type: 'del'; readonly key: string };

export interface KeyRange {
  readonly gt?: string;
  readonly gte?: string;
  readonly lt?: string;
  readonly lte?: string;
  readonly limit?: number;
  readonly reverse?: boolean;
}

export interface Store {
  get(key: string): Promise<Buffer | undefined>;
  getMany(keys: readonly string[]): Promise<(Buffer | undefined)[]>;
  has(key: string): Promise<boolean>;
  iterate(range?: KeyRange): AsyncIterable<[string, Buffer]>;
  /** Applies the operations and records `offset` (next changelog offset to read) atomically. */
  write(ops: readonly StoreOp[], offset: number): Promise<void>;
  /** The checkpoint: next changelog offset to read, or undefined for a store never written. */
  getOffset(): Promise<number | undefined>;
  /** Removes every value and the checkpoint (a store that must be rebuilt from the changelog). */
  clear(): Promise<void>;
  close(): Promise<void>;
}

/** Builds the store of one topic-partition; a processor or view opens one per partition. */
export interface Storage {
  readonly description: string;
  open(topic: string, partition: number): Promise<Store>;
}

export function inRange(key: string, range: KeyRange | undefined): boolean {
  if (!range) return true;
  if (range.gt !== undefined && !(key > range.gt)) return false;
  if (range.gte !== undefined && !(key >= range.gte)) return false;
  if (range.lt !== undefined && !(key < range.lt)) return false;
  if (range.lte !== undefined && !(key <= range.lte)) return false;
  return true;
}
