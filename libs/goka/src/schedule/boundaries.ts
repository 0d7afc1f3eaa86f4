/** The first multiple of `every` strictly after `time` (boundaries are epoch-aligned). */
export function firstBoundaryAfter(time: number, every: number): number {
  return (Math.floor(time / every) + 1) * every;
}
