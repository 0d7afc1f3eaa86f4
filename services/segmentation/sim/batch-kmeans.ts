import { seeded } from '@showcase/simkit';

/**
 * Offline reference: batch k-means (Lloyd) told the true k, on standardised vectors (z-scores
 * with the same per-feature floors as the service), k-means++ seeding, best of `restarts` runs by
 * inertia. Deterministic for a seed.
 */
export function standardise(rows: readonly (readonly number[])[], floors: readonly number[]): number[][] {
  if (rows.length === 0) return [];
  const d = rows[0]!.length;
  const mean = new Array<number>(d).fill(0);
  for (const r of rows) for (let i = 0; i < d; i++) mean[i]! += r[i]! / rows.length;
  const sd = new Array<number>(d).fill(0);
  for (const r of rows) for (let i = 0; i < d; i++) sd[i]! += (r[i]! - mean[i]!) ** 2 / rows.length;
  const scale = sd.map((v, i) => Math.max(Math.sqrt(v), floors[i] ?? 1e-3));
  return rows.map((r) => r.map((v, i) => (v - mean[i]!) / scale[i]!));
}

const dist2 = (a: readonly number[], b: readonly number[]) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s;
};

export function batchKMeans(
  points: readonly (readonly number[])[],
  k: number,
  options: { seed?: number; restarts?: number; iterations?: number } = {},
): { labels: number[]; inertia: number } {
  const random = seeded(options.seed ?? 7);
  let best: { labels: number[]; inertia: number } | undefined;
  for (let r = 0; r < (options.restarts ?? 8); r++) {
    // k-means++ seeding.
    const centers: number[][] = [[...points[Math.floor(random() * points.length)]!]];
    const d = points.map((p) => dist2(p, centers[0]!));
    while (centers.length < Math.min(k, points.length)) {
      const total = d.reduce((s, v) => s + v, 0);
      let pick = random() * total;
      let index = 0;
      for (; index < d.length - 1; index++) {
        pick -= d[index]!;
        if (pick <= 0) break;
      }
      centers.push([...points[index]!]);
      for (let i = 0; i < points.length; i++) d[i] = Math.min(d[i]!, dist2(points[i]!, centers.at(-1)!));
    }
    const labels = new Array<number>(points.length).fill(0);
    for (let it = 0; it < (options.iterations ?? 100); it++) {
      let changed = false;
      for (let i = 0; i < points.length; i++) {
        let bestJ = 0;
        let bestD = Number.POSITIVE_INFINITY;
        for (let j = 0; j < centers.length; j++) {
          const dj = dist2(points[i]!, centers[j]!);
          if (dj < bestD) {
            bestD = dj;
            bestJ = j;
          }
        }
        if (labels[i] !== bestJ) changed = true;
        labels[i] = bestJ;
      }
      const sums = centers.map((c) => new Array<number>(c.length).fill(0));
      const counts = new Array<number>(centers.length).fill(0);
      points.forEach((p, i) => {
        counts[labels[i]!]!++;
        for (let t = 0; t < p.length; t++) sums[labels[i]!]![t]! += p[t]!;
      });
      for (let j = 0; j < centers.length; j++) {
        if (counts[j]! > 0) centers[j] = sums[j]!.map((s) => s / counts[j]!);
      }
      if (!changed && it > 0) break;
    }
    const inertia = points.reduce((s, p, i) => s + dist2(p, centers[labels[i]!]!), 0);
    if (!best || inertia < best.inertia) best = { labels, inertia };
  }
  return best ?? { labels: [], inertia: 0 };
}
