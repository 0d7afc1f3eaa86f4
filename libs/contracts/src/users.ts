import { json } from '@showcase/goka';
import { defineTopic } from './topic.ts';

export const genders = ['female', 'male', 'diverse'] as const;
export type Gender = (typeof genders)[number];

/** Who a user is and whom it is looking for (docs/contracts.md, match-search). */
export interface Profile {
  /** 18–120. */
  readonly age: number;
  readonly gender: Gender;
  /** Non-empty. */
  readonly seeking: readonly Gender[];
  readonly ageMin: number;
  readonly ageMax: number;
}

export interface Location {
  /** [-90, 90] */
  readonly lat: number;
  /** [-180, 180] */
  readonly lon: number;
}

interface UserUpdateBase {
  readonly id: string;
  /** The user it is about (also the record key). */
  readonly user: string;
  /** ms since epoch. */
  readonly at: number;
}

export type UserUpdate =
  | (UserUpdateBase & { readonly type: 'profile'; readonly profile: Profile })
  | (UserUpdateBase & { readonly type: 'location'; readonly location: Location })
  | (UserUpdateBase & { readonly type: 'presence'; readonly online: boolean });

/**
 * Profile, location and presence changes as match-search's API accepted them. Segmentation
 * follows movement and presence sessions from it.
 */
export const userUpdates = defineTopic<UserUpdate>({
  name: 'match-search-user-updates',
  key: 'user id (UserUpdate.user)',
  event: 'UserUpdate',
  codec: json<UserUpdate>(),
  kind: 'stream',
  owner: 'match-search',
  description: 'PUT /users/:id/profile|location|presence, in the order accepted per user',
});

/** A user's current searchable state; absent key = nothing known. */
export interface UserState {
  readonly user: string;
  readonly profile?: Profile;
  readonly location?: Location;
  readonly online: boolean;
  /** ms since epoch of the last update. */
  readonly updatedAt: number;
}

/** match-search's per-user table; recommender reads candidates' profiles and locations from it. */
export const userTable = defineTopic<UserState>({
  name: 'match-search-users-table',
  key: 'user id',
  event: 'UserState',
  codec: json<UserState>(),
  kind: 'table',
  owner: 'match-search',
  description: 'Profile, location and presence of every user (compacted changelog)',
});

/**
 * The mutual filters of docs/contracts.md: each one's gender is sought by the other and each one's
 * age lies in the other's range. Symmetric by construction.
 */
export function mutuallyCompatible(a: Profile, b: Profile): boolean {
  return (
    a.seeking.includes(b.gender) &&
    b.seeking.includes(a.gender) &&
    b.age >= a.ageMin &&
    b.age <= a.ageMax &&
    a.age >= b.ageMin &&
    a.age <= b.ageMax
  );
}
