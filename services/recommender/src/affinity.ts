import type { ModelRow } from './model.ts';

/**
 * Neighbourhood signals of one caller u, read from the learner rows' neighbour lists (both
 * directions, so the reciprocal score learns the other side's interest too):
 *
 * - taste similarity of w to u: how many of the users u liked w liked too (and, weaker, passed
 *   alike) — "users who liked the same people";
 * - appeal similarity of x to u: how many of the users who liked u liked x too (passed alike) —
 *   "people liked by the same users", i.e. x appeals to the same people as u.
 *
 * forward(v) ≈ P(u likes v): the like rate of v among users similar to u (similar taste, or
 * similar appeal: people like u tend to like alike); reverse(v) ≈ P(v likes u): v's own like
 * rate over people similar to u (similar appeal, or similar taste). Both are shrunk towards the
 * prior when the evidence is thin, so a caller or a candidate without neighbours gets the prior.
 * Two hops over bounded lists per request; one pass over v's lists per candidate.
 */
export interface AffinityConfig {
  /** Weight of agreeing on a pass, relative to agreeing on a like. */
  readonly passAgreement: number;
  /** Weight of the other similarity (appeal similarity in forward, taste similarity in reverse). */
  readonly crossWeight: number;
  /** Pseudo-evidence pulling a rate towards `prior`. */
  readonly shrinkage: number;
  readonly prior: number;
  /**
   * A shared neighbour x counts 1 / |x's hop list|^rarity in the similarity walks: sharing a
   * like of someone few liked says more than sharing one of someone everybody liked (default 0.5).
   */
  readonly rarity?: number;
  /** Share of the refined similarities (Affinity.refine) against the walks' (default 0.8). */
  readonly refine?: number;
}

/**
 * Chosen offline on the issue24 preset (seed 42): agreeing on passes drowned the signal (recall@10
 * after 50 swipes 0.11 at 0.5, 0.32 at 0); the cross similarities helped after 50 swipes and hurt
 * after 100 (0.5: 0.36 / 0.68; 0: 0.35 / 0.72), so they are off by default.
 */
/** Absent from a config (config.ts has no knob for them yet): these defaults apply. */
const defaultRarity = 0.5;
const defaultRefine = 0.8;

export const defaultAffinityConfig: AffinityConfig = {
  passAgreement: 0,
  crossWeight: 0,
  shrinkage: 2,
  prior: 0.25,
  rarity: defaultRarity,
  refine: defaultRefine,
};

type Lookup = (user: string) => ModelRow | undefined;

/**
 * Speed: a request touches up to 400 ids per candidate (four lists of `LEARN_NEIGHBOURS`), so the
 * similarity maps are typed arrays indexed by an interned id, and each row's lists are interned
 * once (cached per row object: a mirror replaces the object when the row changes). Map lookups
 * by string cost ~25× more (the ranking bench: services/recommender/sim/bench/ranking.ts).
 */
const indexOf = new Map<string, number>();
const names: string[] = [];
function intern(user: string): number {
  let i = indexOf.get(user);
  if (i === undefined) {
    i = names.length;
    indexOf.set(user, i);
    names.push(user);
  }
  return i;
}

interface Interned {
  readonly liked: Int32Array;
  readonly passed: Int32Array;
  readonly likedBy: Int32Array;
  readonly passedBy: Int32Array;
}
const interned = new WeakMap<ModelRow, Interned>();
const ints = (list: readonly string[] | undefined) => Int32Array.from(list ?? [], intern);
function listsOf(row: ModelRow): Interned {
  let lists = interned.get(row);
  if (!lists) {
    lists = {
      liked: ints(row.liked),
      passed: ints(row.passed),
      likedBy: ints(row.likedBy),
      passedBy: ints(row.passedBy),
    };
    interned.set(row, lists);
  }
  return lists;
}

/** The second-hop lists of a walk (interning them first, so the arrays can be sized). */
function hops(firsts: readonly string[] | undefined, hop: keyof Interned, rows: Lookup): Int32Array[] {
  const out: Int32Array[] = [];
  if (!firsts) return out;
  for (const x of firsts) {
    const row = rows(x);
    if (row) out.push(listsOf(row)[hop]);
  }
  return out;
}

/**
 * Two hops from u, weighted, then count² / √(1 + likes): one shared like is often chance (a like
 * outside the preferred kinds), several rarely are, so strong neighbours weigh more than
 * linearly; a user who likes everyone shares likes with everyone and weighs less. (Offline,
 * issue24 preset: linear counts 0.35 → squared 0.36 after 50 swipes, 0.66 → 0.72 after 100;
 * with the activity term 0.74.)
 */
function similarity(
  walks: readonly { readonly lists: readonly Int32Array[]; readonly weight: number }[],
  rows: Lookup,
  self: number,
  rarity: number,
): Float64Array {
  const out = new Float64Array(names.length);
  const touched: number[] = [];
  for (const { lists, weight } of walks) {
    if (weight === 0) continue;
    for (const list of lists) {
      const add = rarity === 0 ? weight : weight / list.length ** rarity;
      for (let i = 0; i < list.length; i++) {
        const w = list[i]!;
        if (out[w] === 0) touched.push(w);
        out[w]! += add;
      }
    }
  }
  for (const w of touched) {
    const count = out[w]!;
    out[w] = w === self ? 0 : (count * count) / Math.sqrt(1 + (rows(names[w]!)?.liked?.length ?? 0));
  }
  return out;
}

/** Σ of a similarity array (its scale, so a refined one can replace it at the same weight). */
function total(s: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i]!;
  return sum;
}

/** (1 − g) · s + g · max(0, s2) rescaled to s's total; s2 is overwritten. */
function blend(s: Float64Array, s2: Float64Array, g: number): Float64Array {
  let sum2 = 0;
  for (let i = 0; i < s2.length; i++) {
    const y = Math.max(s2[i]!, 0);
    s2[i] = y;
    sum2 += y;
  }
  if (sum2 === 0) return s;
  const f = (g * (total(s) || 1)) / sum2;
  for (let i = 0; i < s2.length; i++) s2[i] = (1 - g) * (s[i] ?? 0) + f * s2[i]!;
  return s2;
}

export class Affinity {
  /** Taste similarity to u, by interned id (0 beyond the end: ids interned after the walk). */
  private taste: Float64Array;
  private appeal: Float64Array;
  private readonly self: number;

  constructor(
    me: ModelRow,
    rows: Lookup,
    private readonly config: AffinityConfig,
  ) {
    const self = intern(me.user);
    this.self = self;
    const pass = config.passAgreement;
    const rarity = config.rarity ?? defaultRarity;
    const taste = [
      { lists: hops(me.liked, 'likedBy', rows), weight: 1 },
      { lists: pass > 0 ? hops(me.passed, 'passedBy', rows) : [], weight: pass },
    ];
    const appeal = [
      { lists: hops(me.likedBy, 'liked', rows), weight: 1 },
      { lists: pass > 0 ? hops(me.passedBy, 'passed', rows) : [], weight: pass },
    ];
    this.taste = similarity(taste, rows, self, rarity);
    this.appeal = similarity(appeal, rows, self, rarity);
  }

  /**
   * One refinement over the candidates, an EM-like step that reaches past the two-hop walks.
   * The walks see only users who share one of u's ~8 likes (after 50 swipes), mostly by one
   * like, a third of which are outside u's preferred kinds. Here every user who decided on the
   * candidates is judged by all those decisions at once:
   *
   * - w is u's taste neighbour as far as w liked the candidates u's first estimate ranks above
   *   their mean (Σ over w's likes of forward(v) − mean);
   * - x appeals like u as far as x was liked by the candidates likely to like u (Σ over the
   *   candidates that liked x of reverse(v) − mean).
   *
   * Negative sums count 0; the refined similarities are rescaled to the walks' total and take
   * `refine` of the weight. Offline, seed 42, recall@10 after 50 / 100 swipes: issue24 0.355 /
   * 0.723 → 0.415 / 0.789, default 0.304 / 0.613 → 0.348 / 0.665 (with rarity 0.5). A second
   * refinement did worse (0.398, 0.365 after four), passes as disagreement added nothing.
   * Cost: one more pass over the candidates' four lists.
   */
  refine(candidates: readonly ModelRow[]): void {
    const g = this.config.refine ?? defaultRefine;
    if (g === 0 || candidates.length === 0) return;
    const n = names.length;
    const r = new Float64Array(candidates.length);
    const q = new Float64Array(candidates.length);
    let rm = 0;
    let qm = 0;
    for (let c = 0; c < candidates.length; c++) {
      r[c] = this.forward(candidates[c]);
      q[c] = this.reverse(candidates[c]);
      rm += r[c]!;
      qm += q[c]!;
    }
    rm /= candidates.length;
    qm /= candidates.length;
    const taste = new Float64Array(n);
    const appeal = new Float64Array(n);
    for (let c = 0; c < candidates.length; c++) {
      const l = listsOf(candidates[c]!);
      const dr = r[c]! - rm;
      const dq = q[c]! - qm;
      for (let i = 0; i < l.likedBy.length; i++) taste[l.likedBy[i]!]! += dr;
      for (let i = 0; i < l.liked.length; i++) appeal[l.liked[i]!]! += dq;
    }
    taste[this.self] = 0;
    appeal[this.self] = 0;
    this.taste = blend(this.taste, taste, g);
    this.appeal = blend(this.appeal, appeal, g);
  }

  private rate(
    likes: Int32Array,
    passes: Int32Array,
    primary: Float64Array,
    cross: Float64Array,
    prior: number,
  ): number {
    const g = this.config.crossWeight;
    const n = primary.length;
    let yes = 0;
    let no = 0;
    for (let i = 0; i < likes.length; i++) {
      const x = likes[i]!;
      if (x < n) yes += primary[x]! + (g === 0 ? 0 : g * cross[x]!);
    }
    for (let i = 0; i < passes.length; i++) {
      const x = passes[i]!;
      if (x < n) no += primary[x]! + (g === 0 ? 0 : g * cross[x]!);
    }
    const a = this.config.shrinkage;
    return (yes + a * prior) / (yes + no + a);
  }

  /** ≈ P(u likes v): how users similar to u decided on v, shrunk towards `prior`. */
  forward(v: ModelRow | undefined, prior = this.config.prior): number {
    if (!v) return prior;
    const l = listsOf(v);
    return this.rate(l.likedBy, l.passedBy, this.taste, this.appeal, prior);
  }

  /** ≈ P(v likes u): how v decided on users similar to u, shrunk towards `prior`. */
  reverse(v: ModelRow | undefined, prior = this.config.prior): number {
    if (!v) return prior;
    const l = listsOf(v);
    return this.rate(l.liked, l.passed, this.appeal, this.taste, prior);
  }
}
