import type { BlockState, PairState, UserState } from '@showcase/contracts';
import type { RowSubscription, View } from '@showcase/goka';
import type { UserDirectory } from './user-directory.ts';

/** The views the directory follows. */
export interface DirectoryViews {
  readonly users: View<UserState>;
  readonly spamBlocks: View<BlockState>;
  readonly pairs: View<PairState>;
}

/**
 * Subscribes the directory to the three views it follows (users, spam blocks, edge-set pairs):
 * every row reaches it as its view applies it — what a reopened store holds, recovery, live
 * updates. Subscribed before the views start, the directory is complete exactly when they run,
 * which is what /readyz waits for.
 */
export function feedDirectory(views: DirectoryViews, directory: UserDirectory): RowSubscription[] {
  return [
    views.users.subscribe((key, state) => directory.applyUser(key, state)),
    views.spamBlocks.subscribe((key, state) => directory.applySpamBlock(key, state)),
    views.pairs.subscribe((key, pair) => directory.applyPair(key, pair)),
  ];
}
