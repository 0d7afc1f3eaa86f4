import type { Random } from '@showcase/simkit';
import type { LatLon } from './haversine.ts';

const clampLat = (lat: number) => Math.max(-90, Math.min(90, lat));
const wrapLon = (lon: number) => (lon > 180 ? lon - 360 : lon < -180 ? lon + 360 : lon);

/**
 * Positions where a geo index usually breaks: cell borders (multiples of `cellDeg` ± a hair),
 * the poles (lat ±89.9…±90), the antimeridian (lon ±179.9…±180), lat 0 / lon 0, and exact
 * duplicates of earlier points — mixed with uniform points.
 */
export function edgeCasePosition(rnd: Random, cellDeg: number, earlier: readonly LatLon[]): LatLon {
  const hair = () => rnd.pick([0, 1e-9, -1e-9, 1e-6, -1e-6, 0.001, -0.001]);
  switch (rnd.int(0, 7)) {
    case 0: {
      const lat = clampLat(Math.round(rnd.between(-90, 90) / cellDeg) * cellDeg + hair());
      const lon = wrapLon(Math.round(rnd.between(-180, 180) / cellDeg) * cellDeg + hair());
      return { lat, lon };
    }
    case 1:
      return { lat: rnd.pick([1, -1]) * rnd.between(89.5, 90), lon: rnd.between(-180, 180) };
    case 2:
      return { lat: rnd.pick([90, -90, 89.9, -89.9]), lon: rnd.pick([0, 180, -180, rnd.between(-180, 180)]) };
    case 3:
      return { lat: rnd.between(-60, 60), lon: rnd.pick([1, -1]) * rnd.between(179.5, 180) };
    case 4:
      return {
        lat: rnd.pick([0, hair(), rnd.between(-1, 1)]),
        lon: rnd.pick([0, hair(), rnd.between(-1, 1)]),
      };
    case 5:
      return earlier.length > 0 ? rnd.pick(earlier) : { lat: 0, lon: 0 };
    default:
      return { lat: rnd.between(-90, 90), lon: rnd.between(-180, 180) };
  }
}

/** Query radii: zero, the service's range, and caps wide enough to hold a pole or a hemisphere. */
export function queryRadius(rnd: Random): number {
  return rnd.pick([0, 0.5, 5, 25, 50, 200, 500, rnd.between(0, 500), rnd.between(500, 5000), 12_000, 20_100]);
}
