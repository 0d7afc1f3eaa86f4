export interface Scored {
  readonly user: string;
  readonly score: number;
}

/** Best first: higher score, then the smaller user id (a stable, total order). */
export function better(a: Scored, b: Scored): boolean {
  return a.score > b.score || (a.score === b.score && a.user < b.user);
}

/**
 * The k best of a stream, best first, in O(n log k)-ish without sorting everything: a sorted
 * array of at most k entries, most candidates are rejected by one comparison with the worst.
 */
export class TopK {
  private readonly items: Scored[] = [];

  constructor(readonly k: number) {}

  offer(item: Scored): void {
    const items = this.items;
    if (this.k <= 0) return;
    if (items.length === this.k && !better(item, items[items.length - 1]!)) return;
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (better(items[mid]!, item)) lo = mid + 1;
      else hi = mid;
    }
    items.splice(lo, 0, item);
    if (items.length > this.k) items.pop();
  }

  get size(): number {
    return this.items.length;
  }

  toArray(): Scored[] {
    return [...this.items];
  }
}
