import { assertLatLon, capBounds } from './cap.ts';
import { EARTH_RADIUS_KM, type LatLon } from './haversine.ts';

const RAD = Math.PI / 180;

/** One hit of a radius query: the id and its exact haversine distance from the centre. */
export interface Neighbour {
  readonly id: string;
  readonly distanceKm: number;
}

export interface GeoGridIndexOptions {
  /**
   * Cell edge in degrees of latitude and longitude (default 0.25° ≈ 28 km of latitude, the best
   * of 0.05–0.5° in test/compare-indexes.ts). Smaller cells cost more cell visits on wide
   * queries, larger cells more distance tests on narrow ones.
   */
  readonly cellDeg?: number;
}

/** Points of one cell in parallel arrays: a scan touches no per-point object. */
interface Cell {
  readonly row: number;
  readonly col: number;
  readonly ids: string[];
  readonly lats: number[];
  readonly lons: number[];
  /** A caller-defined small integer per point (e.g. packed filter fields), read by a scan without a lookup. */
  readonly tags: number[];
}

interface Entry {
  cell: Cell;
  slot: number;
  readonly lat: number;
  readonly lon: number;
}

/**
 * A dynamic spatial index on a regular latitude/longitude grid (the geometry of a geohash,
 * without the string encoding): `set` moves a point between cells in O(1), `within` visits the
 * cells that cover the query's spherical cap (`capBounds`: exact at the poles and across the
 * antimeridian) and keeps the points whose haversine distance is ≤ the radius. Results are
 * therefore exact, whatever the cell size; the cell size only trades cells visited against
 * points tested.
 */
export class GeoGridIndex {
  readonly cellDeg: number;
  private readonly rows: number;
  private readonly cols: number;
  private readonly cells = new Map<number, Cell>();
  private readonly entries = new Map<string, Entry>();

  constructor(options: GeoGridIndexOptions = {}) {
    const cellDeg = options.cellDeg ?? 0.25;
    if (!(cellDeg > 0 && cellDeg <= 90)) throw new RangeError(`cellDeg must be in (0, 90] (got ${cellDeg})`);
    this.cellDeg = cellDeg;
    this.rows = Math.ceil(180 / cellDeg);
    this.cols = Math.ceil(360 / cellDeg);
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  get(id: string): LatLon | undefined {
    const e = this.entries.get(id);
    return e === undefined ? undefined : { lat: e.lat, lon: e.lon };
  }

  /**
   * Inserts or moves `id`, with an optional integer `tag` handed to `visitWithin`'s callback (a
   * query can filter on it without a per-point map lookup). Throws a RangeError for coordinates
   * outside [-90, 90] × [-180, 180].
   */
  set(id: string, position: LatLon, tag = 0): void {
    assertLatLon(position);
    const { lat, lon } = position;
    const row = this.rowOf(lat);
    const col = this.colOf(lon);
    const old = this.entries.get(id);
    if (old !== undefined) {
      if (old.cell.row === row && old.cell.col === col) {
        this.entries.set(id, { cell: old.cell, slot: old.slot, lat, lon });
        old.cell.lats[old.slot] = lat;
        old.cell.lons[old.slot] = lon;
        old.cell.tags[old.slot] = tag;
        return;
      }
      this.removeEntry(old);
    }
    const key = row * this.cols + col;
    let cell = this.cells.get(key);
    if (cell === undefined) {
      cell = { row, col, ids: [], lats: [], lons: [], tags: [] };
      this.cells.set(key, cell);
    }
    const slot = cell.ids.length;
    cell.ids.push(id);
    cell.lats.push(lat);
    cell.lons.push(lon);
    cell.tags.push(tag);
    this.entries.set(id, { cell, slot, lat, lon });
  }

  delete(id: string): boolean {
    const e = this.entries.get(id);
    if (e === undefined) return false;
    this.removeEntry(e);
    this.entries.delete(id);
    return true;
  }

  clear(): void {
    this.cells.clear();
    this.entries.clear();
  }

  /** Every indexed point within `radiusKm` of `center` (haversine, inclusive), in no particular order. */
  within(center: LatLon, radiusKm: number): Neighbour[] {
    const out: Neighbour[] = [];
    this.visitWithin(center, radiusKm, (id, distanceKm) => {
      out.push({ id, distanceKm });
    });
    return out;
  }

  /**
   * The allocation-free form of `within`: calls `visit` for each point within the radius.
   * Distances are `haversineKm(center, point)`, the same expression a brute-force scan uses.
   * `tag` is the point's tag from `set`.
   */
  visitWithin(
    center: LatLon,
    radiusKm: number,
    visit: (id: string, distanceKm: number, tag: number) => void,
  ): void {
    assertLatLon(center, 'center');
    if (!(radiusKm >= 0) || !Number.isFinite(radiusKm)) {
      throw new RangeError(`radiusKm must be a finite number ≥ 0 (got ${radiusKm})`);
    }
    const bounds = capBounds(center, radiusKm);
    const rowMin = this.rowOf(bounds.latMin);
    const rowMax = this.rowOf(bounds.latMax);
    const colRanges = bounds.lon.map((r) => [this.colClamped(r.lonMin), this.colClamped(r.lonMax)] as const);
    let coverCells = 0;
    for (const [c0, c1] of colRanges) coverCells += (c1 - c0 + 1) * (rowMax - rowMin + 1);
    // haversineKm, inlined with the centre's cosine hoisted: the same floating-point expression,
    // so distances are bit-identical to a brute-force scan's. Points whose haversine term already
    // exceeds the radius's (with a hair of slack; d grows with it) skip the asin.
    const cLat = center.lat;
    const cLon = center.lon;
    const cosC = Math.cos(cLat * RAD);
    const halfAngle = radiusKm / EARTH_RADIUS_KM / 2;
    const sMax =
      halfAngle >= Math.PI / 2 ? Number.POSITIVE_INFINITY : Math.sin(halfAngle) ** 2 * (1 + 1e-9) + 1e-15;
    const scan = (cell: Cell): void => {
      const { ids, lats, lons, tags } = cell;
      for (let i = 0; i < ids.length; i++) {
        const lat = lats[i]!;
        const dLat = (lat - cLat) * RAD;
        const dLon = (lons[i]! - cLon) * RAD;
        const s = Math.sin(dLat / 2) ** 2 + cosC * Math.cos(lat * RAD) * Math.sin(dLon / 2) ** 2;
        if (s > sMax) continue;
        const d = 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(s)));
        if (d <= radiusKm) visit(ids[i]!, d, tags[i]!);
      }
    };
    if (coverCells > this.cells.size) {
      // A wide cap (a pole, a huge radius) on a sparse grid: walking the occupied cells is cheaper.
      for (const cell of this.cells.values()) {
        if (cell.row < rowMin || cell.row > rowMax) continue;
        if (colRanges.some(([c0, c1]) => cell.col >= c0 && cell.col <= c1)) scan(cell);
      }
      return;
    }
    for (let row = rowMin; row <= rowMax; row++) {
      for (const [c0, c1] of colRanges) {
        for (let col = c0; col <= c1; col++) {
          const cell = this.cells.get(row * this.cols + col);
          if (cell !== undefined) scan(cell);
        }
      }
    }
  }

  /** Row of a latitude; lat 90 joins the last row. */
  private rowOf(lat: number): number {
    return Math.min(this.rows - 1, Math.max(0, Math.floor((lat + 90) / this.cellDeg)));
  }

  /** Column a point is stored in; lon 180 is lon -180 (the same meridian), so it joins column 0. */
  private colOf(lon: number): number {
    return lon >= 180 ? 0 : this.colClamped(lon);
  }

  /**
   * Column of a query interval's end. Intervals that reach ±180 come in pairs from `capBounds`
   * (one ends at 180, the other starts at -180), so column 0 — where lon 180 is stored — is
   * always covered by the one starting at -180.
   */
  private colClamped(lon: number): number {
    return Math.min(this.cols - 1, Math.max(0, Math.floor((lon + 180) / this.cellDeg)));
  }

  private removeEntry(e: Entry): void {
    const { cell, slot } = e;
    const last = cell.ids.length - 1;
    if (slot !== last) {
      const movedId = cell.ids[last]!;
      cell.ids[slot] = movedId;
      cell.lats[slot] = cell.lats[last]!;
      cell.lons[slot] = cell.lons[last]!;
      cell.tags[slot] = cell.tags[last]!;
      const moved = this.entries.get(movedId)!;
      moved.slot = slot;
    }
    cell.ids.pop();
    cell.lats.pop();
    cell.lons.pop();
    cell.tags.pop();
    if (cell.ids.length === 0) this.cells.delete(cell.row * this.cols + cell.col);
  }
}
