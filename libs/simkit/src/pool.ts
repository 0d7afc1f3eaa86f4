/**
 * Runs `work` over `items` with at most `limit` in flight and returns the results in input order;
 * `progress` (if given) hears every `every` finished items, so a long run shows it is alive.
 */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
  progress?: { readonly every: number; readonly report: (done: number) => void },
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let done = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T);
      if (progress && ++done % progress.every === 0) progress.report(done);
    }
  });
  await Promise.all(workers);
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
