import type { GeoGridIndex, Neighbour } from './grid-index.ts';
import type { LatLon } from './haversine.ts';

/** Distance first, then id (code-unit order): the one total order every search result uses. */
export function compareNeighbours(a: Neighbour, b: Neighbour): number {
  if (a.distanceKm !== b.distanceKm) return a.distanceKm - b.distanceKm;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The first `limit` points within `radiusKm` that `accept` keeps, sorted by `compareNeighbours`.
 * A bounded max-heap keeps the cost at O(m log limit) for m points in the radius, so a dense
 * 200 km query does not sort every hit.
 */
export function closestWithin(
  index: GeoGridIndex,
  center: LatLon,
  radiusKm: number,
  limit: number,
  accept: (id: string, distanceKm: number, tag: number) => boolean = () => true,
): Neighbour[] {
  if (!Number.isInteger(limit) || limit < 0)
    throw new RangeError(`limit must be an integer ≥ 0 (got ${limit})`);
  const heap: Neighbour[] = [];
  if (limit === 0) return heap;
  index.visitWithin(center, radiusKm, (id, distanceKm, tag) => {
    if (heap.length === limit) {
      const worst = heap[0]!;
      if (distanceKm > worst.distanceKm || (distanceKm === worst.distanceKm && id > worst.id)) return;
    }
    if (!accept(id, distanceKm, tag)) return;
    const n = { id, distanceKm };
    if (heap.length < limit) {
      heap.push(n);
      siftUp(heap, heap.length - 1);
    } else {
      heap[0] = n;
      siftDown(heap, 0);
    }
  });
  return heap.sort(compareNeighbours);
}

// Max-heap by compareNeighbours: the root is the worst of the kept points.
function siftUp(h: Neighbour[], i: number): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (compareNeighbours(h[i]!, h[p]!) <= 0) return;
    [h[i], h[p]] = [h[p]!, h[i]!];
    i = p;
  }
}

function siftDown(h: Neighbour[], i: number): void {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < h.length && compareNeighbours(h[l]!, h[m]!) > 0) m = l;
    if (r < h.length && compareNeighbours(h[r]!, h[m]!) > 0) m = r;
    if (m === i) return;
    [h[i], h[m]] = [h[m]!, h[i]!];
    i = m;
  }
}
