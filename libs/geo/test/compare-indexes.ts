/**
 * Why libs/geo has its own grid: the same clustered population and queries against
 * - GeoGridIndex (dynamic lat/lon grid, exact haversine on the sphere of docs/contracts.md),
 * - rbush (dynamic R-tree, planar: fed the same spherical cover boxes from `capBounds`),
 * - geokdbush on kdbush (static kd-tree; every move means a rebuild; sphere of 6371 km, not 6371.0088),
 * - a linear scan (the baseline).
 * Run: npx tsx libs/geo/test/compare-indexes.ts [--n 200000] [--queries 2000] [--json]
 */
import { parseArgs } from 'node:util';
import { Random } from '@showcase/simkit';
import { around } from 'geokdbush';
import KDBush from 'kdbush';
import RBush from 'rbush';
import { capBounds, closestWithin, GeoGridIndex, haversineKm, type LatLon } from '../src/index.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '200000' },
    queries: { type: 'string', default: '2000' },
    json: { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
const queries = Number(values.queries);
const rnd = new Random(7);

// 200 cities with a spread of 30 km, plus 20% spread over the land-ish band.
const cities = Array.from({ length: 200 }, () => ({
  lat: rnd.between(-45, 65),
  lon: rnd.between(-180, 180),
}));
const position = (): LatLon => {
  if (rnd.next() < 0.2) return { lat: rnd.between(-60, 70), lon: rnd.between(-180, 180) };
  const c = rnd.pick(cities);
  const lat = Math.max(-90, Math.min(90, c.lat + (rnd.next() - 0.5) * 0.6));
  let lon = c.lon + (rnd.next() - 0.5) * 0.6;
  if (lon > 180) lon -= 360;
  if (lon < -180) lon += 360;
  return { lat, lon };
};
const points = Array.from({ length: n }, position);
const ids = points.map((_, i) => `user-${i}`);
const centers = Array.from({ length: queries }, position);

interface Row {
  index: string;
  build_ms: number;
  move_us: number | null;
  query_5km_us: number;
  query_50km_us: number;
  query_200km_us: number;
}
const rows: Row[] = [];
const time = (f: () => void): number => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};
const perQuery = (radiusKm: number, q: (c: LatLon, r: number) => unknown) =>
  (time(() => {
    for (const c of centers) q(c, radiusKm);
  }) *
    1000) /
  centers.length;

for (const cellDeg of [0.05, 0.1, 0.25, 0.5]) {
  const grid = new GeoGridIndex({ cellDeg });
  const build = time(() => {
    for (let i = 0; i < n; i++) grid.set(ids[i]!, points[i]!);
  });
  const moves = 100_000;
  const move =
    (time(() => {
      for (let i = 0; i < moves; i++) grid.set(ids[i % n]!, position());
    }) *
      1000) /
    moves;
  const q = (c: LatLon, r: number) => closestWithin(grid, c, r, 100);
  rows.push({
    index: `grid ${cellDeg}°`,
    build_ms: build,
    move_us: move,
    query_5km_us: perQuery(5, q),
    query_50km_us: perQuery(50, q),
    query_200km_us: perQuery(200, q),
  });
}

{
  interface Box {
    minX: number;
    minY: number;
    maxX: number;
    maxY: number;
    i: number;
  }
  const tree = new RBush<Box>();
  const boxes = points.map((p, i) => ({ minX: p.lon, minY: p.lat, maxX: p.lon, maxY: p.lat, i }));
  const build = time(() => tree.load(boxes));
  const moves = 20_000;
  const move =
    (time(() => {
      for (let k = 0; k < moves; k++) {
        const b = boxes[k % n]!;
        tree.remove(b);
        const p = position();
        b.minX = b.maxX = p.lon;
        b.minY = b.maxY = p.lat;
        tree.insert(b);
      }
    }) *
      1000) /
    moves;
  const q = (c: LatLon, r: number) => {
    const hits: { i: number; d: number }[] = [];
    const cap = capBounds(c, r);
    for (const lon of cap.lon) {
      for (const b of tree.search({
        minX: lon.lonMin,
        minY: cap.latMin,
        maxX: lon.lonMax,
        maxY: cap.latMax,
      })) {
        const d = haversineKm(c, { lat: b.minY, lon: b.minX });
        if (d <= r) hits.push({ i: b.i, d });
      }
    }
    return hits.sort((a, b) => a.d - b.d).slice(0, 100);
  };
  rows.push({
    index: 'rbush',
    build_ms: build,
    move_us: move,
    query_5km_us: perQuery(5, q),
    query_50km_us: perQuery(50, q),
    query_200km_us: perQuery(200, q),
  });
}

{
  let kd = new KDBush(n);
  const build = time(() => {
    kd = new KDBush(n);
    for (const p of points) kd.add(p.lon, p.lat);
    kd.finish();
  });
  const q = (c: LatLon, r: number) => around(kd, c.lon, c.lat, 100, r);
  // Static: a move costs a full rebuild, reported as build_ms.
  rows.push({
    index: 'geokdbush (static)',
    build_ms: build,
    move_us: null,
    query_5km_us: perQuery(5, q),
    query_50km_us: perQuery(50, q),
    query_200km_us: perQuery(200, q),
  });
}

{
  const lats = Float64Array.from(points, (p) => p.lat);
  const lons = Float64Array.from(points, (p) => p.lon);
  const q = (c: LatLon, r: number) => {
    const hits: { i: number; d: number }[] = [];
    for (let i = 0; i < n; i++) {
      const d = haversineKm(c, { lat: lats[i]!, lon: lons[i]! });
      if (d <= r) hits.push({ i, d });
    }
    return hits.sort((a, b) => a.d - b.d).slice(0, 100);
  };
  const few = centers.splice(0, Math.min(centers.length, 50));
  const saved = centers.splice(0);
  centers.push(...few);
  rows.push({
    index: 'linear scan',
    build_ms: 0,
    move_us: 0,
    query_5km_us: perQuery(5, q),
    query_50km_us: perQuery(50, q),
    query_200km_us: perQuery(200, q),
  });
  centers.splice(0, centers.length, ...few, ...saved);
}

const fmt = (v: number | null) => (v === null ? 'rebuild' : v.toFixed(1));
console.log(
  `n=${n} queries=${queries} (clustered: 200 cities ± 0.3°, 20% spread), limit 100, times per operation`,
);
console.log(['index'.padEnd(20), 'build ms', 'move µs', '5 km µs', '50 km µs', '200 km µs'].join('\t'));
for (const r of rows) {
  console.log(
    [
      r.index.padEnd(20),
      r.build_ms.toFixed(0),
      fmt(r.move_us),
      fmt(r.query_5km_us),
      fmt(r.query_50km_us),
      fmt(r.query_200km_us),
    ].join('\t'),
  );
}
if (values.json) console.log(JSON.stringify({ n, queries, rows }));
