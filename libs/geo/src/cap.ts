import { EARTH_RADIUS_KM, type LatLon } from './haversine.ts';

const DEG = 180 / Math.PI;
const RAD = Math.PI / 180;

/**
 * Covering margin in degrees: the bounds below are exact on paper, this absorbs floating-point
 * error so a point at exactly `radiusKm` is never cut off by the cover (the exact haversine
 * test afterwards removes anything the margin lets in).
 */
const MARGIN_DEG = 1e-9;

/** A closed longitude interval in [-180, 180]; `lonMin > lonMax` never occurs (wraps are split). */
export interface LonInterval {
  readonly lonMin: number;
  readonly lonMax: number;
}

/**
 * Degree bounds that contain every point within `radiusKm` of `center` (a spherical cap).
 * `lon` is one interval, two when the cap crosses the antimeridian, or the whole circle
 * when it covers a pole or reaches past 90° of longitude.
 */
export interface CapBounds {
  readonly latMin: number;
  readonly latMax: number;
  readonly lon: readonly LonInterval[];
}

/**
 * The latitude band is `lat ± δ` (δ = radius / R); if it reaches a pole the cap contains that
 * pole and every longitude. Otherwise the cap's longitude half-width is
 * `asin(sin δ / cos φ)` (where a meridian touches the cap's edge): exact, and wider than the
 * planar `δ / cos φ`, which would cut caps off at high latitudes. A cap whose interval reaches
 * ±180 is split at the antimeridian into [lo + 360, 180] and [-180, hi].
 */
export function capBounds(center: LatLon, radiusKm: number): CapBounds {
  const delta = radiusKm / EARTH_RADIUS_KM;
  const deltaDeg = delta * DEG + MARGIN_DEG;
  const latMin = center.lat - deltaDeg;
  const latMax = center.lat + deltaDeg;
  const whole: readonly LonInterval[] = [{ lonMin: -180, lonMax: 180 }];
  if (delta >= Math.PI / 2 || latMin <= -90 || latMax >= 90) {
    return { latMin: Math.max(-90, latMin), latMax: Math.min(90, latMax), lon: whole };
  }
  const ratio = Math.sin(delta) / Math.cos(center.lat * RAD);
  if (ratio >= 1) return { latMin, latMax, lon: whole };
  const half = Math.asin(ratio) * DEG + MARGIN_DEG;
  const lo = center.lon - half;
  const hi = center.lon + half;
  if (hi - lo >= 360) return { latMin, latMax, lon: whole };
  if (lo <= -180)
    return {
      latMin,
      latMax,
      lon: [
        { lonMin: lo + 360, lonMax: 180 },
        { lonMin: -180, lonMax: hi },
      ],
    };
  if (hi >= 180)
    return {
      latMin,
      latMax,
      lon: [
        { lonMin: lo, lonMax: 180 },
        { lonMin: -180, lonMax: hi - 360 },
      ],
    };
  return { latMin, latMax, lon: [{ lonMin: lo, lonMax: hi }] };
}

/** A throwing check for coordinates, so an index never holds NaN or a lat/lon swap past range. */
export function assertLatLon(p: LatLon, what = 'position'): void {
  if (!Number.isFinite(p.lat) || p.lat < -90 || p.lat > 90) {
    throw new RangeError(`${what}.lat must be a number in [-90, 90] (got ${String(p.lat)})`);
  }
  if (!Number.isFinite(p.lon) || p.lon < -180 || p.lon > 180) {
    throw new RangeError(`${what}.lon must be a number in [-180, 180] (got ${String(p.lon)})`);
  }
}
