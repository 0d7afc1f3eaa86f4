import { mintToken } from '@showcase/service-kit';

export interface HttpAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/**
 * HTTP as a given user of a service, as simulators drive it: tokens minted once per user (and
 * per admin flag) with the shared secret, JSON in and out, every request with a timeout.
 */
export class Http {
  private readonly tokens = new Map<string, string>();

  constructor(
    readonly base: string,
    private readonly secret: string,
    private readonly timeoutMs = 15_000,
  ) {}

  token(user: string, admin = false): string {
    const key = `${admin ? '!' : ''}${user}`;
    let token = this.tokens.get(key);
    if (!token) {
      token = mintToken({ secret: this.secret, user, admin, ttlSeconds: 6 * 3600 });
      this.tokens.set(key, token);
    }
    return token;
  }

  async call<T>(
    method: string,
    path: string,
    as: string,
    body?: unknown,
    admin = false,
  ): Promise<HttpAnswer<T>> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token(as, admin)}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    return { status: res.status, body: (await res.json()) as T };
  }
}
