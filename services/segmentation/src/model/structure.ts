import { type ModelConfig, type ModelState, type Segment, scaledDistance2 } from './state.ts';

/**
 * How the number of segments is learned. Every `checkEvery` points, at most one of:
 *
 * - **prune**: a segment whose weight share fell below `pruneShare` (points stopped coming) is
 *   removed; its id redirects to the nearest segment, which takes over its members. No segment
 *   lingers empty or dying.
 * - **merge**: two segments are one group when merging them barely raises the spread —
 *   (their weighted mean spread) / (the merged spread) > `mergeRatio`. The heavier keeps its id.
 * - **split**: a segment whose two halves explain it much better than its centroid —
 *   (halves' weighted mean spread) / (segment spread) < `splitRatio`, halves at least
 *   `minSeparation` apart, each with `minHalfShare` of the weight — becomes two; the heavier half
 *   keeps the id, the other gets a new one. Never beyond `maxSegments`.
 *
 * The gap between `splitRatio` (0.85) and `mergeRatio` (0.9) is the hysteresis that keeps a pair
 * from flapping. Ids are never reused (`nextId` only grows), so an id names one group for life.
 */
export function restructure(model: ModelState, scale: number[], config: ModelConfig, at: number): void {
  if (prune(model, scale, config, at)) return;
  if (merge(model, scale, config, at)) return;
  split(model, config, scale, at);
  for (const s of model.segments) {
    // Halves that never justified a split may have settled on a poor cut: seed them again.
    if (s.sub && model.points - s.subSince > config.reseedAfter) {
      s.sub = null;
      s.seeding = null;
      s.subSince = model.points;
    }
  }
}

const totalWeight = (model: ModelState) => model.segments.reduce((sum, s) => sum + s.n, 0);

function remember(model: ModelState, at: number, event: string): void {
  model.history.push({ at, event });
  if (model.history.length > 50) model.history.splice(0, model.history.length - 50);
}

function redirect(model: ModelState, from: number, to: number): void {
  for (const r of model.redirects) if (r[1] === from) r[1] = to;
  model.redirects.push([from, to]);
  if (model.redirects.length > 256) model.redirects.splice(0, model.redirects.length - 256);
}

function absorb(model: ModelState, survivor: Segment, gone: Segment): void {
  survivor.members += gone.members;
  for (const [label, count] of gone.votes) {
    const entry = survivor.votes.find(([l]) => l === label);
    if (entry) entry[1] += count;
    else survivor.votes.push([label, count]);
  }
  survivor.votes.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  model.segments = model.segments.filter((s) => s !== gone);
  redirect(model, gone.id, survivor.id);
}

function prune(model: ModelState, scale: number[], config: ModelConfig, at: number): boolean {
  if (model.segments.length < 2) return false;
  const total = totalWeight(model);
  const dying = model.segments
    .filter((s) => model.points - s.born >= config.minAgePoints && s.n < config.pruneShare * total)
    .sort((a, b) => a.n - b.n)[0];
  if (!dying) return false;
  let nearest: Segment | undefined;
  let best = Number.POSITIVE_INFINITY;
  for (const s of model.segments) {
    if (s === dying) continue;
    const d = scaledDistance2(dying.c, s.c, scale);
    if (d < best) {
      best = d;
      nearest = s;
    }
  }
  absorb(model, nearest!, dying);
  remember(
    model,
    at,
    `segment ${dying.id} pruned (weight share ${(dying.n / total).toFixed(3)}), users to ${nearest!.id}`,
  );
  return true;
}

function merge(model: ModelState, scale: number[], config: ModelConfig, at: number): boolean {
  let pair: [Segment, Segment] | undefined;
  let bestRatio = config.mergeRatio;
  const list = model.segments;
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i]!;
      const b = list[j]!;
      const n = a.n + b.n;
      if (n <= 0) continue;
      const within = (a.n * a.spread + b.n * b.spread) / n;
      const merged = within + ((a.n * b.n) / (n * n)) * scaledDistance2(a.c, b.c, scale);
      const ratio = merged > 0 ? within / merged : 1;
      if (ratio > bestRatio) {
        bestRatio = ratio;
        pair = [a, b];
      }
    }
  }
  if (!pair) return false;
  const [a, b] = pair;
  const [survivor, gone] = a.n > b.n || (a.n === b.n && a.id < b.id) ? [a, b] : [b, a];
  const n = survivor.n + gone.n;
  const d = scaledDistance2(survivor.c, gone.c, scale);
  survivor.spread =
    (survivor.n * survivor.spread + gone.n * gone.spread) / n + ((survivor.n * gone.n) / (n * n)) * d;
  for (let i = 0; i < survivor.c.length; i++) {
    survivor.c[i] = ((survivor.c[i] ?? 0) * survivor.n + (gone.c[i] ?? 0) * gone.n) / n;
  }
  survivor.n = n;
  survivor.sub = null;
  survivor.seeding = null;
  survivor.subSince = model.points;
  absorb(model, survivor, gone);
  remember(model, at, `segment ${gone.id} merged into ${survivor.id} (spread ratio ${bestRatio.toFixed(2)})`);
  return true;
}

function split(model: ModelState, config: ModelConfig, scale: number[], at: number): boolean {
  if (model.segments.length >= config.maxSegments) return false;
  let chosen: { s: Segment; ratio: number } | undefined;
  for (const s of model.segments) {
    if (!s.sub || s.n < config.minSplitWeight || s.spread <= 0) continue;
    const [h0, h1] = s.sub;
    const n = h0.n + h1.n;
    // Halves need time and points of their own before their spreads mean anything.
    if (model.points - s.subSince < config.halfWarmup || Math.min(h0.n, h1.n) < config.minHalfWeight)
      continue;
    if (Math.min(h0.n, h1.n) < config.minHalfShare * n) continue;
    if (scaledDistance2(h0.c, h1.c, scale) < config.minSeparation) continue;
    const ratio = (h0.n * h0.spread + h1.n * h1.spread) / n / s.spread;
    if (ratio < config.splitRatio && (!chosen || ratio < chosen.ratio)) chosen = { s, ratio };
  }
  if (!chosen) return false;
  const { s } = chosen;
  const [h0, h1] = s.sub!;
  const [keep, move] = h0.n >= h1.n ? [h0, h1] : [h1, h0];
  const share = move.n / (h0.n + h1.n);
  const born: Segment = {
    id: model.nextId++,
    n: s.n * share,
    c: [...move.c],
    spread: move.spread,
    sub: null,
    seeding: null,
    subSince: model.points,
    members: 0,
    born: model.points,
    votes: [],
  };
  s.n *= 1 - share;
  s.c = [...keep.c];
  s.spread = keep.spread;
  s.sub = null;
  s.seeding = null;
  s.subSince = model.points;
  model.segments.push(born);
  remember(
    model,
    at,
    `segment ${s.id} split, new segment ${born.id} (spread ratio ${chosen.ratio.toFixed(2)})`,
  );
  return true;
}
