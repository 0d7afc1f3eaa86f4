import { mintToken } from '@showcase/service-kit';

/** Refuses anything but this machine: a load generator must not leave the host. */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (!(host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host))) {
    throw new Error(`refusing to target ${host}: the simulator only drives services on loopback addresses`);
  }
}

/** HTTP as a given user, tokens cached, every request with a timeout. */
export class Http {
  private readonly tokens = new Map<string, string>();
  constructor(
    readonly base: string,
    private readonly secret: string,
  ) {}

  token(user: string): string {
    let t = this.tokens.get(user);
    if (!t) {
      t = mintToken({ secret: this.secret, user, ttlSeconds: 6 * 3600 });
      this.tokens.set(user, t);
    }
    return t;
  }

  async call<T>(
    method: string,
    path: string,
    as: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token(as)}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    return { status: res.status, body: (await res.json()) as T };
  }
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function latencySummary(values: readonly number[]) {
  return { count: values.length, p50: quantile(values, 0.5), p99: quantile(values, 0.99) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
