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
}

/**
 * Chosen offline on the issue24 preset (seed 42): agreeing on passes drowned the signal (recall@10
 * after 50 swipes 0.11 at 0.5, 0.32 at 0); the cross similarities helped after 50 swipes and hurt
 * after 100 (0.5: 0.36 / 0.68; 0: 0.35 / 0.72), so they are off by default.
 */
export const defaultAffinityConfig: AffinityConfig = {
  passAgreement: 0,
  crossWeight: 0,
  shrinkage: 2,
  prior: 0.25,
};

type Lookup = (user: string) => ModelRow | undefined;

/**
 * Speed: a request touches up to 400 ids per candidate (four lists of `LEARN_NEIGHBOURS`), so the
 * similarity maps are typed arrays indexed by an interned id, and each row's lists are interned
 * once (cached per row object: a mirror replaces the object when the row changes). Map lookups
 * by string cost ~25× more (the ranking bench: services/recommender/src/bench/ranking.ts).
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
): Float64Array {
  const out = new Float64Array(names.length);
  const touched: number[] = [];
  for (const { lists, weight } of walks) {
    if (weight === 0) continue;
    for (const list of lists)
      for (let i = 0; i < list.length; i++) {
        const w = list[i]!;
        if (out[w] === 0) touched.push(w);
        out[w]! += weight;
      }
  }
  for (const w of touched) {
    const count = out[w]!;
    out[w] = w === self ? 0 : (count * count) / Math.sqrt(1 + (rows(names[w]!)?.liked?.length ?? 0));
  }
  return out;
}

export class Affinity {
  /** Taste similarity to u, by interned id (0 beyond the end: ids interned after the walk). */
  private readonly taste: Float64Array;
  private readonly appeal: Float64Array;

  constructor(
    me: ModelRow,
    rows: Lookup,
    private readonly config: AffinityConfig,
  ) {
    const self = intern(me.user);
    const pass = config.passAgreement;
    const taste = [
      { lists: hops(me.liked, 'likedBy', rows), weight: 1 },
      { lists: pass > 0 ? hops(me.passed, 'passedBy', rows) : [], weight: pass },
    ];
    const appeal = [
      { lists: hops(me.likedBy, 'liked', rows), weight: 1 },
      { lists: pass > 0 ? hops(me.passedBy, 'passed', rows) : [], weight: pass },
    ];
    this.taste = similarity(taste, rows, self);
    this.appeal = similarity(appeal, rows, self);
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
