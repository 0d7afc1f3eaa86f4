import type { Upstream } from './config.ts';

/** What one service answered, or why it did not: the page shows both side by side. */
export type Answer<T> =
  | { readonly service: string; readonly ok: true; readonly body: T }
  | { readonly service: string; readonly ok: false; readonly status: number | null; readonly error: string };

/**
 * Calls a service's admin API with the caller's own token: the console holds no credentials of
 * its own, so each service decides for itself whether the caller is an admin.
 */
export async function callService<T = unknown>(
  upstream: Upstream,
  path: string,
  token: string,
  timeoutMs: number,
): Promise<Answer<T>> {
  try {
    const res = await fetch(`${upstream.url}${path}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const message =
        typeof body === 'object' &&
        body !== null &&
        typeof (body as { message?: unknown }).message === 'string'
          ? (body as { message: string }).message
          : text.slice(0, 200) || res.statusText;
      return { service: upstream.name, ok: false, status: res.status, error: message };
    }
    return { service: upstream.name, ok: true, body: body as T };
  } catch (error) {
    const cause = (error as Error & { cause?: { code?: string } }).cause?.code;
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : cause === 'ECONNREFUSED'
          ? 'not running (connection refused)'
          : (error as Error).message;
    return { service: upstream.name, ok: false, status: null, error: reason };
  }
}

/** The same path on every service, in parallel, in the configured order. */
export function callAll<T = unknown>(
  upstreams: readonly Upstream[],
  path: string,
  token: string,
  timeoutMs: number,
): Promise<Answer<T>[]> {
  return Promise.all(upstreams.map((u) => callService<T>(u, path, token, timeoutMs)));
}
