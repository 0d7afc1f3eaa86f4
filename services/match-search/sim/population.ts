import { type Gender, genders, type Profile, type UserUpdate } from '@showcase/contracts';
import type { LatLon } from '@showcase/geo';
import { Random } from '@showcase/geo/testing';

/** `cities` (default 200) with users spread ±0.3° around them, plus 20 % spread over the inhabited band. */
export class CityPopulation {
  readonly rnd: Random;
  private readonly cities: LatLon[];

  constructor(seed: number, cities = 200) {
    this.rnd = new Random(seed);
    this.cities = Array.from({ length: cities }, () => ({
      lat: this.rnd.between(-45, 65),
      lon: this.rnd.between(-180, 180),
    }));
  }

  position(): LatLon {
    const r = this.rnd;
    if (r.next() < 0.2) return { lat: r.between(-60, 70), lon: r.between(-180, 180) };
    const c = r.pick(this.cities);
    let lon = c.lon + (r.next() - 0.5) * 0.6;
    if (lon > 180) lon -= 360;
    if (lon < -180) lon += 360;
    return { lat: Math.max(-90, Math.min(90, c.lat + (r.next() - 0.5) * 0.6)), lon };
  }

  /** A small step from `p` (a user walking or driving), wrapped at the antimeridian. */
  step(p: LatLon, km: number): LatLon {
    const r = this.rnd;
    const dLat = ((r.next() - 0.5) * 2 * km) / 111.2;
    let lon =
      p.lon + ((r.next() - 0.5) * 2 * km) / (111.2 * Math.max(0.05, Math.cos((p.lat * Math.PI) / 180)));
    if (lon > 180) lon -= 360;
    if (lon < -180) lon += 360;
    return { lat: Math.max(-90, Math.min(90, p.lat + dLat)), lon: Math.max(-180, Math.min(180, lon)) };
  }

  profile(): Profile {
    const r = this.rnd;
    const gender = r.pick(genders);
    // Mostly one sought gender, sometimes two or all: the mutual filters cut real fractions.
    const seeking: Gender[] = r.next() < 0.7 ? [r.pick(genders)] : genders.filter(() => r.next() < 0.7);
    const age = r.int(18, 70);
    const ageMin = Math.max(18, age - r.int(3, 15));
    return {
      age,
      gender,
      seeking: seeking.length ? seeking : [gender],
      ageMin,
      ageMax: Math.min(120, age + r.int(3, 15)),
    };
  }

  /** The three updates that make `user` complete and searchable. */
  join(
    user: string,
    at: number,
    online: boolean,
  ): { updates: UserUpdate[]; location: LatLon; profile: Profile } {
    const profile = this.profile();
    const location = this.position();
    return {
      profile,
      location,
      updates: [
        { id: `p-${user}-${at}`, user, at, type: 'profile', profile },
        { id: `l-${user}-${at}`, user, at, type: 'location', location },
        { id: `o-${user}-${at}`, user, at, type: 'presence', online },
      ],
    };
  }
}
