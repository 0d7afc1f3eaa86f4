import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HS256 JWTs as the platform uses them: `sub` = user id, `role: "admin"` for moderation.
 * Minting needs no library (a CLI and tests mint tokens); services verify with @fastify/jwt.
 */
export interface TokenClaims {
  readonly sub: string;
  readonly role?: 'admin';
  readonly iat?: number;
  readonly exp?: number;
}

/**
 * Used only when NODE_ENV=development and AUTH_SECRET is unset, by services and by
 * `npm run token` alike, so a dev token works against a dev service. Never in production: a
 * service refuses to start without AUTH_SECRET otherwise.
 */
export const DEV_AUTH_SECRET = 'dev-only-insecure-auth-secret';

/** AUTH_SECRET must be at least this long (HS256 keys shorter than the hash are weak). */
export const MIN_SECRET_LENGTH = 16;

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export interface MintOptions {
  readonly secret: string;
  readonly user: string;
  readonly admin?: boolean;
  /** Lifetime in seconds; default 24 h. 0 = no expiry. */
  readonly ttlSeconds?: number;
  /** Seconds since epoch; default now. */
  readonly now?: number;
}

export function mintToken(options: MintOptions): string {
  if (!options.user) throw new TypeError('mintToken: user is required');
  const iat = options.now ?? Math.floor(Date.now() / 1000);
  const ttl = options.ttlSeconds ?? 24 * 3600;
  const claims: TokenClaims = {
    sub: options.user,
    ...(options.admin ? { role: 'admin' as const } : {}),
    iat,
    ...(ttl > 0 ? { exp: iat + ttl } : {}),
  };
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const signature = createHmac('sha256', options.secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${signature}`;
}

/** Verifies signature and expiry; returns the claims or undefined. For tools, not the request path. */
export function verifyToken(
  token: string,
  secret: string,
  nowSeconds = Date.now() / 1000,
): TokenClaims | undefined {
  const [head, body, signature] = token.split('.');
  if (!head || !body || !signature) return undefined;
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string };
    if (header.alg !== 'HS256') return undefined;
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
    if (typeof claims.sub !== 'string' || claims.sub === '') return undefined;
    if (claims.exp !== undefined && claims.exp < nowSeconds) return undefined;
    return claims;
  } catch {
    return undefined;
  }
}
