export { EARTH_RADIUS_KM, haversineKm, type LatLon } from './haversine.ts';
