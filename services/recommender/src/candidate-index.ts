import { haversineKm, type LatLon } from '@showcase/geo';

/**
 * Where candidates come from: every indexed user within `radiusKm` of a point (haversine,
 * inclusive), with its distance. The shape of libs/geo's spatial indexes, so one can replace
 * the scan without touching the ranker.
 */
export interface CandidateIndex {
  set(user: string, location: LatLon): void;
  delete(user: string): boolean;
  visitWithin(center: LatLon, radiusKm: number, visit: (user: string, distanceKm: number) => void): void;
}

/** A linear scan: exact, O(users) per query; fine up to some ten thousand users. */
export class ScanIndex implements CandidateIndex {
  private readonly points = new Map<string, LatLon>();

  set(user: string, location: LatLon): void {
    this.points.set(user, { lat: location.lat, lon: location.lon });
  }

  delete(user: string): boolean {
    return this.points.delete(user);
  }

  visitWithin(center: LatLon, radiusKm: number, visit: (user: string, distanceKm: number) => void): void {
    for (const [user, p] of this.points) {
      const d = haversineKm(center, p);
      if (d <= radiusKm) visit(user, d);
    }
  }
}
