import {
  type BlockState,
  hasEdge,
  type Location,
  mutuallyCompatible,
  type PairState,
  type Profile,
  parsePairKey,
  type UserState,
} from '@showcase/contracts';
import { closestWithin, GeoGridIndex, type LatLon } from '@showcase/geo';
import { compatibleTags, ONLINE, profileTag, UNPACKED } from './profile-tag.ts';

/** One row of a nearby answer (docs/contracts.md). */
export interface NearbyUser {
  readonly user: string;
  readonly distanceKm: number;
  readonly age: number;
  readonly gender: Profile['gender'];
  readonly online: boolean;
}

export interface NearbyQuery {
  readonly radiusKm: number;
  readonly limit: number;
  /** Keep online users only. */
  readonly onlineOnly: boolean;
}

/** What changed, for live watchers: a user's searchable state, a spam block, or a pair's block edge. */
export type DirectoryChange =
  | { readonly kind: 'user'; readonly user: string }
  | { readonly kind: 'spam'; readonly user: string }
  | { readonly kind: 'pair'; readonly user: string; readonly other: string };

/**
 * The search's in-memory state, a secondary index over three tables (fed by its views' subscriptions, see directory-feed.ts):
 * - users with a profile and a location in a `GeoGridIndex`, their profiles (interned: users with
 *   the same profile share one object, which keeps 1 M users small and lets a query cache the
 *   mutual-filter verdict per distinct profile) and who is online;
 * - users anti-spam blocks;
 * - pair keys (`pairKey(a, b)`) whose edge-set row holds a block edge in either direction.
 * Everything a query needs is a synchronous lookup: no per-candidate await, no decoding.
 */
export class UserDirectory {
  readonly grid: GeoGridIndex;
  private readonly profiles = new Map<string, Profile>();
  private readonly locations = new Map<string, Location>();
  private readonly online = new Set<string>();
  private readonly spamBlocked = new Set<string>();
  private readonly blockPairs = new Set<string>();
  /** The same block edges by the row's user: a query looks up its caller's set once. */
  private readonly blockedOthers = new Map<string, Set<string>>();
  private readonly interned = new Map<string, Profile>();
  private readonly listeners = new Set<(change: DirectoryChange) => void>();

  constructor(options: { cellDeg?: number } = {}) {
    this.grid = new GeoGridIndex(options.cellDeg === undefined ? {} : { cellDeg: options.cellDeg });
  }

  /** Users with both a profile and a location (the searchable ones). */
  get searchable(): number {
    return this.grid.size;
  }

  /** The searchable users' ids. */
  *searchableIds(): IterableIterator<string> {
    for (const id of this.locations.keys()) if (this.profiles.has(id)) yield id;
  }

  onChange(listener: (change: DirectoryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A row of `match-search-users-table` (undefined = deleted). */
  applyUser(user: string, state: UserState | undefined): void {
    if (state?.profile) this.profiles.set(user, this.intern(state.profile));
    else this.profiles.delete(user);
    if (state?.location) this.locations.set(user, state.location);
    else this.locations.delete(user);
    if (state?.online) this.online.add(user);
    else this.online.delete(user);
    if (state?.profile && state.location)
      this.grid.set(user, state.location, profileTag(state.profile, state.online));
    else this.grid.delete(user);
    this.emit({ kind: 'user', user });
  }

  /** A row of anti-spam's block table. */
  applySpamBlock(user: string, state: BlockState | undefined): void {
    const was = this.spamBlocked.has(user);
    if (state?.blocked) this.spamBlocked.add(user);
    else this.spamBlocked.delete(user);
    if (was !== this.spamBlocked.has(user)) this.emit({ kind: 'spam', user });
  }

  /** A row of edge-set's pair table: blocked when a block edge exists in either direction. */
  applyPair(key: string, pair: PairState | undefined): void {
    const was = this.blockPairs.has(key);
    if (hasEdge(pair, 'out', 'block') || hasEdge(pair, 'in', 'block')) this.blockPairs.add(key);
    else this.blockPairs.delete(key);
    if (was !== this.blockPairs.has(key)) {
      const { user, other } = parsePairKey(key);
      let others = this.blockedOthers.get(user);
      if (!was) {
        if (others === undefined) {
          others = new Set();
          this.blockedOthers.set(user, others);
        }
        others.add(other);
      } else if (others !== undefined) {
        others.delete(other);
        if (others.size === 0) this.blockedOthers.delete(user);
      }
      this.emit({ kind: 'pair', user, other });
    }
  }

  profileOf(user: string): Profile | undefined {
    return this.profiles.get(user);
  }

  locationOf(user: string): LatLon | undefined {
    return this.locations.get(user);
  }

  isOnline(user: string): boolean {
    return this.online.has(user);
  }

  isSpamBlocked(user: string): boolean {
    return this.spamBlocked.has(user);
  }

  isPairBlocked(user: string, other: string): boolean {
    return this.blockedOthers.get(user)?.has(other) === true;
  }

  /**
   * Whether `other` belongs in `caller`'s answer regardless of distance: searchable, not the
   * caller, mutual filters, not blocked by anti-spam, no block edge either way, and online when asked.
   */
  eligible(caller: string, callerProfile: Profile, other: string, onlineOnly: boolean): boolean {
    if (other === caller) return false;
    const p = this.profiles.get(other);
    if (p === undefined || !this.grid.has(other)) return false;
    if (onlineOnly && !this.online.has(other)) return false;
    if (!mutuallyCompatible(callerProfile, p)) return false;
    return !this.spamBlocked.has(other) && !this.isPairBlocked(caller, other);
  }

  /**
   * The nearby answer for `caller`, or undefined when the caller lacks a profile or a location
   * (the API's 409). Exact: the grid yields every user within the radius with its haversine
   * distance; the filters run only on candidates that could still enter the first `limit`.
   */
  nearby(caller: string, query: NearbyQuery): NearbyUser[] | undefined {
    const me = this.profiles.get(caller);
    const at = this.locations.get(caller);
    if (me === undefined || at === undefined) return undefined;
    const mine = profileTag(me, false);
    const blocked = this.blockedOthers.get(caller);
    // Filters on the candidate's grid tag (packed profile + presence): no lookup per candidate.
    // Profiles the tag cannot hold (UNPACKED) take the object path.
    // Integer tests first: most candidates fail them, and the string and set tests (the id
    // compared with the caller's, the block sets) then run for the few that pass.
    const hits = closestWithin(this.grid, at, query.radiusKm, query.limit, (id, _d, tag) => {
      if (query.onlineOnly && (tag & ONLINE) === 0) return false;
      const ok =
        ((mine | tag) & UNPACKED) === 0
          ? compatibleTags(mine, tag)
          : mutuallyCompatible(me, this.profiles.get(id)!);
      return ok && id !== caller && !this.spamBlocked.has(id) && blocked?.has(id) !== true;
    });
    return hits.map(({ id, distanceKm }) => {
      const p = this.profiles.get(id)!;
      return { user: id, distanceKm, age: p.age, gender: p.gender, online: this.online.has(id) };
    });
  }

  private intern(profile: Profile): Profile {
    const key = `${profile.age}/${profile.gender}/${[...profile.seeking].sort().join(',')}/${profile.ageMin}/${profile.ageMax}`;
    let shared = this.interned.get(key);
    if (shared === undefined) {
      shared = Object.freeze({ ...profile, seeking: Object.freeze([...profile.seeking]) });
      this.interned.set(key, shared);
    }
    return shared;
  }

  private emit(change: DirectoryChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
