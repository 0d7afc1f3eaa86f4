import { mintToken } from '@showcase/service-kit';

export interface HttpAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/** Tokens of simulated users, minted once per user and admin flag with the services' secret. */
export class Tokens {
  private readonly minted = new Map<string, string>();

  constructor(private readonly secret: string) {}

  of(user: string, admin = false): string {
    const key = `${admin ? '!' : ''}${user}`;
    let token = this.minted.get(key);
    if (!token) {
      token = mintToken({ secret: this.secret, user, admin, ttlSeconds: 6 * 3600 });
      this.minted.set(key, token);
    }
    return token;
  }
}

/**
 * HTTP as a given user of a service, as simulators drive it: tokens minted once per user (and
 * per admin flag) with the shared secret, JSON in and out (an empty body reads as undefined),
 * every request with a timeout.
 */
export class Http {
  private readonly tokens: Tokens;

  constructor(
    readonly base: string,
    secret: string,
    private readonly timeoutMs = 15_000,
  ) {
    this.tokens = new Tokens(secret);
  }

  token(user: string, admin = false): string {
    return this.tokens.of(user, admin);
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
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
}
