import { type UserState, type UserUpdate, userTable, userUpdates } from '@showcase/contracts';
import { defineGroup, input, persist } from '@showcase/goka';
import { groups } from '../topics.ts';

/** The next state of a user after one accepted update (pure: the oracle of the tests uses it too). */
export function applyUserUpdate(state: UserState | undefined, user: string, update: UserUpdate): UserState {
  const base: UserState = state ?? { user, online: false, updatedAt: update.at };
  switch (update.type) {
    case 'profile':
      return { ...base, profile: update.profile, updatedAt: update.at };
    case 'location':
      return { ...base, location: update.location, updatedAt: update.at };
    case 'presence':
      return { ...base, online: update.online, updatedAt: update.at };
  }
}

/**
 * Per user: profile, location and presence, folded from the updates the API accepted. The table
 * (`match-search-users-table`, a libs/contracts table) is what every search instance indexes and
 * what recommender reads. Updates of one user are applied in the order they were accepted.
 */
export function usersGroup() {
  return defineGroup<UserState>(
    groups.users,
    persist(userTable.codec),
    input(userUpdates.name, userUpdates.codec, (ctx, update) => {
      ctx.setValue(applyUserUpdate(ctx.value(), ctx.key, update));
    }),
  );
}
