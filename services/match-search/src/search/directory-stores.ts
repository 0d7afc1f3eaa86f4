import {
  type BlockState,
  edgePairTable,
  type PairState,
  spamBlockTable,
  type UserState,
  userTable,
} from '@showcase/contracts';
import type { Codec, Storage } from '@showcase/goka';
import { tappedStorage } from './tapped-storage.ts';
import type { UserDirectory } from './user-directory.ts';

/**
 * The stores of the three views the directory follows (users, spam blocks, edge-set pairs),
 * tapped so that every write — recovery included — reaches the directory; other stores as the
 * host makes them. `directory()` is asked at the first write (the service starts after the
 * directory exists), not when the stores are made.
 */
export function directoryStores(
  base: (component: string) => Storage,
  directory: () => UserDirectory,
): (component: string) => Storage {
  const taps = new Map<string, (key: string, value: Buffer | undefined) => void>();
  const tap = <T>(
    table: { name: string; codec: Codec<T> },
    apply: (key: string, value: T | undefined) => void,
  ) =>
    taps.set(`view-${table.name}`, (key, raw) =>
      apply(key, raw === undefined ? undefined : table.codec.decode(raw)),
    );
  tap(userTable, (k, v: UserState | undefined) => directory().applyUser(k, v));
  tap(spamBlockTable, (k, v: BlockState | undefined) => directory().applySpamBlock(k, v));
  tap(edgePairTable, (k, v: PairState | undefined) => directory().applyPair(k, v));
  return (component) => {
    const apply = taps.get(component);
    if (apply === undefined) return base(component);
    return tappedStorage(base(component), { put: (k, v) => apply(k, v), delete: (k) => apply(k, undefined) });
  };
}
