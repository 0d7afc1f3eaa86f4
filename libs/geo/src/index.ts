export { assertLatLon, type CapBounds, capBounds, type LonInterval } from './cap.ts';
export { closestWithin, compareNeighbours } from './closest.ts';
export { GeoGridIndex, type GeoGridIndexOptions, type Neighbour } from './grid-index.ts';
export { EARTH_RADIUS_KM, haversineKm, type LatLon } from './haversine.ts';
