import { quantile } from '@showcase/simkit';

/**
 * Per-service request counts and latencies of everything this process sends with `fetch`: the
 * simulator's clients all talk HTTP through the global fetch, so wrapping it once measures the
 * platform from the clients' side. A request is attributed to
 * the service whose base URL (origin) it goes to; WebSocket traffic is not counted.
 */
export interface ServiceLoad {
  readonly service: string;
  readonly requests: number;
  readonly failed: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface Meter {
  /** Requests so far per service (for the progress line). */
  counts(): ReadonlyMap<string, number>;
  summary(): ServiceLoad[];
  /** Puts the original fetch back. */
  stop(): void;
}

export function meterFetch(urls: Readonly<Record<string, string>>): Meter {
  const byOrigin = new Map<string, string>();
  for (const [service, url] of Object.entries(urls)) byOrigin.set(new URL(url).origin, service);
  const latencies = new Map<string, number[]>();
  const failures = new Map<string, number>();
  for (const service of byOrigin.values()) {
    latencies.set(service, []);
    failures.set(service, 0);
  }
  const original = globalThis.fetch;
  const started = performance.now();
  let stoppedAt: number | undefined;

  const serviceOf = (input: Parameters<typeof fetch>[0]): string | undefined => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    try {
      return byOrigin.get(new URL(href).origin);
    } catch {
      return undefined;
    }
  };

  globalThis.fetch = async (input, init) => {
    const service = serviceOf(input);
    if (service === undefined) return original(input, init);
    const t0 = performance.now();
    try {
      const res = await original(input, init);
      if (res.status >= 500) failures.set(service, (failures.get(service) ?? 0) + 1);
      return res;
    } catch (error) {
      failures.set(service, (failures.get(service) ?? 0) + 1);
      throw error;
    } finally {
      // Time to the response head: what a client waits before it can act on the answer.
      latencies.get(service)?.push(performance.now() - t0);
    }
  };

  return {
    counts: () => new Map([...latencies].map(([s, l]) => [s, l.length])),
    summary() {
      const seconds = ((stoppedAt ?? performance.now()) - started) / 1000;
      return [...latencies].map(([service, list]) => {
        return {
          service,
          requests: list.length,
          failed: failures.get(service) ?? 0,
          perSecond: list.length / seconds,
          p50Ms: quantile(list, 0.5),
          p99Ms: quantile(list, 0.99),
        };
      });
    },
    stop() {
      stoppedAt ??= performance.now();
      globalThis.fetch = original;
    },
  };
}
