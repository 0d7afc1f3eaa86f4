import { Random } from '@showcase/simkit';
import { describe, expect, it } from 'vitest';
import { edgeCasePosition, queryRadius } from '../src/edge-positions.ts';
import {
  closestWithin,
  compareNeighbours,
  GeoGridIndex,
  haversineKm,
  type LatLon,
  type Neighbour,
} from '../src/index.ts';

function bruteForce(points: ReadonlyMap<string, LatLon>, center: LatLon, radiusKm: number): Neighbour[] {
  const out: Neighbour[] = [];
  for (const [id, p] of points) {
    const d = haversineKm(center, p);
    if (d <= radiusKm) out.push({ id, distanceKm: d });
  }
  return out.sort(compareNeighbours);
}

const sorted = (ns: Neighbour[]) => [...ns].sort(compareNeighbours);

describe('GeoGridIndex against brute force (seeded)', () => {
  for (const [seed, cellDeg] of [
    [1, 0.1],
    [2, 1],
    [3, 7], // 360 / 7 is not whole: the last column is narrower
    [4, 0.3],
    [5, 45],
  ] as const) {
    it(`seed ${seed}, cellDeg ${cellDeg}: inserts, moves and deletes answer exactly`, () => {
      const rnd = new Random(seed);
      const index = new GeoGridIndex({ cellDeg });
      const truth = new Map<string, LatLon>();
      const placed: LatLon[] = [];
      const check = (round: string) => {
        for (let q = 0; q < 60; q++) {
          const center = edgeCasePosition(rnd, cellDeg, placed);
          // Every third query puts a point exactly on the rim: the radius is inclusive.
          const rim = q % 3 === 0 && placed.length > 0 ? haversineKm(center, rnd.pick(placed)) : undefined;
          const radius = rim ?? queryRadius(rnd);
          const want = bruteForce(truth, center, radius);
          const got = sorted(index.within(center, radius));
          expect(got, `${round} q${q} ${JSON.stringify(center)} r=${radius}`).toEqual(want);
        }
        expect(index.size).toBe(truth.size);
      };
      for (let i = 0; i < 3000; i++) {
        const p = edgeCasePosition(rnd, cellDeg, placed);
        index.set(`u${i}`, p);
        truth.set(`u${i}`, p);
        placed.push(p);
      }
      check('inserted');
      for (let i = 0; i < 1500; i++) {
        const id = `u${rnd.int(0, 2999)}`;
        if (rnd.next() < 0.3) {
          expect(index.delete(id)).toBe(truth.delete(id));
        } else {
          const p = edgeCasePosition(rnd, cellDeg, placed);
          index.set(id, p);
          truth.set(id, p);
          placed.push(p);
        }
      }
      check('moved');
      for (const [id, p] of truth) expect(index.get(id)).toEqual(p);
    });
  }

  it('closestWithin is the sorted brute force, cut at limit, with the filter applied first', () => {
    const rnd = new Random(11);
    const index = new GeoGridIndex();
    const truth = new Map<string, LatLon>();
    const placed: LatLon[] = [];
    for (let i = 0; i < 4000; i++) {
      // Few distinct positions so ties in distance are common and the id breaks them.
      const p =
        i % 2 === 0
          ? edgeCasePosition(rnd, 0.1, placed)
          : rnd.pick(placed.length ? placed : [{ lat: 0, lon: 0 }]);
      const id = `id-${rnd.int(0, 99_999)}`;
      index.set(id, p);
      truth.set(id, p);
      placed.push(p);
    }
    for (const id of ['constructor', '__proto__', 'toString']) {
      index.set(id, { lat: 0, lon: 0 });
      truth.set(id, { lat: 0, lon: 0 });
    }
    for (let i = 0; i < 200; i++) {
      const center = edgeCasePosition(rnd, 0.1, placed);
      const radius = queryRadius(rnd);
      const limit = rnd.pick([0, 1, 5, 50, 500]);
      const accept = (id: string) => id.charCodeAt(id.length - 1) % 3 !== 0;
      const want = bruteForce(truth, center, radius).filter((n) => accept(n.id));
      expect(closestWithin(index, center, radius, limit, accept)).toEqual(want.slice(0, limit));
    }
  });
});

describe('GeoGridIndex geometry', () => {
  it('widens caps near a pole to asin(sin δ / cos φ) of longitude, beyond the planar δ / cos φ', () => {
    const rnd = new Random(21);
    const index = new GeoGridIndex({ cellDeg: 0.1 });
    const truth = new Map<string, LatLon>();
    for (let i = 0; i < 5000; i++) {
      const p = { lat: rnd.pick([1, -1]) * rnd.between(87.5, 90), lon: rnd.between(-180, 180) };
      index.set(`p${i}`, p);
      truth.set(`p${i}`, p);
    }
    for (let q = 0; q < 300; q++) {
      const center = { lat: rnd.pick([1, -1]) * rnd.between(88, 89.9), lon: rnd.between(-180, 180) };
      // Radii that stop short of the pole: the cap is a band segment whose width grows fast.
      const toPole = (90 - Math.abs(center.lat)) * (Math.PI / 180) * 6371.0088;
      const radius = toPole * rnd.between(0.5, 0.999);
      expect(sorted(index.within(center, radius))).toEqual(bruteForce(truth, center, radius));
    }
  });

  it('treats lon 179.99 and -179.99 as neighbours, and lon 180 as -180', () => {
    const index = new GeoGridIndex({ cellDeg: 0.1 });
    index.set('east', { lat: 10, lon: 179.99 });
    index.set('west', { lat: 10, lon: -179.99 });
    index.set('dateline', { lat: 10, lon: 180 });
    const fromEast = sorted(index.within({ lat: 10, lon: 179.99 }, 5)).map((n) => n.id);
    const fromWest = sorted(index.within({ lat: 10, lon: -179.99 }, 5)).map((n) => n.id);
    expect(fromEast).toEqual(['east', 'dateline', 'west']);
    expect(fromWest).toEqual(['west', 'dateline', 'east']);
    expect(sorted(index.within({ lat: 10, lon: -180 }, 1e-6)).map((n) => n.id)).toEqual(['dateline']);
  });

  it('finds everyone around a pole from a centre at lat 89.9, whatever their longitude', () => {
    const index = new GeoGridIndex({ cellDeg: 0.1 });
    for (let lon = -180; lon <= 180; lon += 15) index.set(`n${lon}`, { lat: 89.95, lon });
    index.set('pole', { lat: 90, lon: 0 });
    index.set('far', { lat: 88, lon: 0 });
    const hits = index.within({ lat: 89.9, lon: 45 }, 50);
    expect(hits).toHaveLength(26);
    expect(hits.some((n) => n.id === 'far')).toBe(false);
  });

  it('does not mix up latitude and longitude', () => {
    const index = new GeoGridIndex();
    index.set('berlin', { lat: 52.52, lon: 13.405 });
    expect(index.within({ lat: 52.5, lon: 13.4 }, 5).map((n) => n.id)).toEqual(['berlin']);
    expect(index.within({ lat: 13.4, lon: 52.5 }, 5)).toEqual([]);
    // Swapped on the way in: a longitude past 90 is not a latitude.
    expect(() => index.set('sydney', { lat: 151.2, lon: -33.87 })).toThrow(
      /lat must be a number in \[-90, 90\]/,
    );
    expect(() => index.set('nan', { lat: Number.NaN, lon: 0 })).toThrow(RangeError);
    expect(() => index.within({ lat: 0, lon: 200 }, 5)).toThrow(/center.lon/);
    expect(() => index.within({ lat: 0, lon: 0 }, Number.POSITIVE_INFINITY)).toThrow(/radiusKm/);
  });

  it('keeps identical positions apart by id and deletes only the one asked for', () => {
    const index = new GeoGridIndex();
    for (const id of ['b', 'a', 'c']) index.set(id, { lat: 0, lon: 0 });
    expect(closestWithin(index, { lat: 0, lon: 0 }, 1, 10).map((n) => n.id)).toEqual(['a', 'b', 'c']);
    expect(index.delete('b')).toBe(true);
    expect(index.delete('b')).toBe(false);
    expect(closestWithin(index, { lat: 0, lon: 0 }, 1, 10).map((n) => n.id)).toEqual(['a', 'c']);
    index.set('a', { lat: 1, lon: 1 });
    expect(closestWithin(index, { lat: 0, lon: 0 }, 1, 10).map((n) => n.id)).toEqual(['c']);
    expect(index.size).toBe(2);
  });
});
