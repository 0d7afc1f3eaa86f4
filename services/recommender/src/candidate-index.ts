import { GeoGridIndex, haversineKm, type LatLon } from '@showcase/geo';

/**
 * Where candidates come from: every indexed user within `radiusKm` of a point (haversine,
 * inclusive), with its distance. libs/geo's `GeoGridIndex` (shared with match-search) has this
 * shape; the ranker depends only on it.
 */
export interface CandidateIndex {
  set(user: string, location: LatLon): void;
  delete(user: string): boolean;
  visitWithin(center: LatLon, radiusKm: number, visit: (user: string, distanceKm: number) => void): void;
}

/** The service's index: the grid of libs/geo (exact results; cells only bound the work). */
export function createCandidateIndex(): CandidateIndex {
  return new GeoGridIndex();
}

/** A linear scan: the oracle of the tests and the baseline of the bench. */
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
