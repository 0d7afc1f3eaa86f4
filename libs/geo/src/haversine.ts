/** Mean Earth radius (IUGG), the sphere docs/contracts.md defines distances on. */
export const EARTH_RADIUS_KM = 6371.0088;

/** A point on the sphere in degrees. Named fields, never a tuple: lat/lon order mix-ups are a classic bug. */
export interface LatLon {
  readonly lat: number;
  readonly lon: number;
}

const RAD = Math.PI / 180;

/** Great-circle distance in km (haversine; stable for small distances, exact enough at antipodes). */
export function haversineKm(a: LatLon, b: LatLon): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(s)));
}
