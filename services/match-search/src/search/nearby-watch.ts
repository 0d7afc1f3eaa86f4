import { haversineKm } from '@showcase/geo';
import type { DirectoryChange, UserDirectory } from './user-directory.ts';

export interface NearbyEvent {
  readonly type: 'entered' | 'left' | 'moved';
  readonly user: string;
  readonly distanceKm: number;
}

/**
 * The live neighbourhood of one caller (WS /ws/nearby): the set of users that pass the caller's
 * nearby rules within `radiusKm` (no limit), kept current from directory changes. A change of
 * another user re-evaluates that user alone; a change of the caller (a move, a new profile, a
 * block edge of the caller) re-evaluates the whole set against a fresh radius query.
 */
export class NearbyWatch {
  private readonly members = new Map<string, number>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly directory: UserDirectory,
    readonly caller: string,
    private readonly radiusKm: number,
    private readonly onlineOnly: boolean,
    private readonly send: (event: NearbyEvent) => void,
  ) {
    this.unsubscribe = directory.onChange((change) => this.onChange(change));
    this.refresh();
  }

  /** Current members and their distances (for tests and the initial snapshot). */
  snapshot(): ReadonlyMap<string, number> {
    return this.members;
  }

  close(): void {
    this.unsubscribe();
  }

  private onChange(change: DirectoryChange): void {
    switch (change.kind) {
      case 'user':
      case 'spam':
        if (change.user === this.caller) this.refresh();
        else this.reevaluate(change.user);
        return;
      case 'pair':
        if (change.user === this.caller) this.reevaluate(change.other);
        else if (change.other === this.caller) this.reevaluate(change.user);
    }
  }

  /** Where `user` stands now: its distance if it belongs to the set, else undefined. */
  private distanceOf(user: string): number | undefined {
    const me = this.directory.profileOf(this.caller);
    const at = this.directory.locationOf(this.caller);
    if (me === undefined || at === undefined) return undefined;
    if (!this.directory.eligible(this.caller, me, user, this.onlineOnly)) return undefined;
    const there = this.directory.locationOf(user);
    if (there === undefined) return undefined;
    const d = haversineKm(at, there);
    return d <= this.radiusKm ? d : undefined;
  }

  private reevaluate(user: string): void {
    this.transition(user, this.distanceOf(user));
  }

  private refresh(): void {
    const next = new Map<string, number>();
    const rows = this.directory.nearby(this.caller, {
      radiusKm: this.radiusKm,
      limit: Number.MAX_SAFE_INTEGER,
      onlineOnly: this.onlineOnly,
    });
    for (const r of rows ?? []) next.set(r.user, r.distanceKm);
    for (const user of [...this.members.keys()]) if (!next.has(user)) this.transition(user, undefined);
    for (const [user, d] of next) this.transition(user, d);
  }

  private transition(user: string, distanceKm: number | undefined): void {
    const before = this.members.get(user);
    if (distanceKm === undefined) {
      if (before === undefined) return;
      this.members.delete(user);
      const there = this.directory.locationOf(user);
      const at = this.directory.locationOf(this.caller);
      const now = there && at ? haversineKm(at, there) : before;
      this.send({ type: 'left', user, distanceKm: now });
      return;
    }
    this.members.set(user, distanceKm);
    if (before === undefined) this.send({ type: 'entered', user, distanceKm });
    else if (before !== distanceKm) this.send({ type: 'moved', user, distanceKm });
  }
}
