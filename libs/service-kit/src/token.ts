import { createSigner, createVerifier } from 'fast-jwt';

/**
 * HS256 JWTs as the platform uses them: `sub` = user id, `role: "admin"` for moderation.
 * Minted and checked with fast-jwt (the library @fastify/jwt verifies with on the request path);
 * the claim rules on top are ours (`claimProblem`), the same on both paths.
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
export const DEV_AUTH_SECRET = 'dev-only-insecure-auth-secret-do-not-deploy';

/** AUTH_SECRET must be at least this many bytes: an HS256 key shorter than the hash is weak. */
export const MIN_SECRET_LENGTH = 32;

/** User ids, in token subjects and in routes: what every service accepts. */
export const USER_ID_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;

/** Default lifetime of minted tokens, seconds (24 h). */
export const DEFAULT_TOKEN_TTL_S = 24 * 3600;

/** What a service demands of a token beyond its signature. */
export interface TokenRules {
  /** Longest accepted lifetime (`exp - iat`), seconds; default 7 days. */
  readonly maxTtlSeconds?: number;
  /** Tolerated clock difference for `iat` in the future and `exp` in the past, seconds; default 60. */
  readonly clockSkewSeconds?: number;
}

/** Why the claims are not acceptable, or undefined when they are. */
export function claimProblem(
  claims: Partial<TokenClaims>,
  nowSeconds: number,
  rules: TokenRules = {},
): string | undefined {
  const maxTtl = rules.maxTtlSeconds ?? 7 * 24 * 3600;
  const skew = rules.clockSkewSeconds ?? 60;
  if (typeof claims.sub !== 'string' || claims.sub === '') return 'no subject (sub)';
  if (!USER_ID_PATTERN.test(claims.sub)) return `subject is not a valid user id (${USER_ID_PATTERN})`;
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) return 'no expiry (exp)';
  if (claims.exp < nowSeconds - skew) return 'expired';
  if (claims.iat !== undefined) {
    if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat)) return 'iat is not a number';
    if (claims.iat > nowSeconds + skew) return 'issued in the future (iat)';
  }
  const issued = typeof claims.iat === 'number' ? claims.iat : nowSeconds;
  if (claims.exp - issued > maxTtl) return `lifetime longer than the maximum of ${maxTtl} s`;
  return undefined;
}

export interface MintOptions {
  readonly secret: string;
  readonly user: string;
  readonly admin?: boolean;
  /** Lifetime in seconds; default 24 h. 0 = no expiry (services reject such tokens: tests only). */
  readonly ttlSeconds?: number;
  /** Seconds since epoch; default now. */
  readonly now?: number;
}

export function mintToken(options: MintOptions): string {
  if (!options.user) throw new TypeError('mintToken: user is required');
  if (!USER_ID_PATTERN.test(options.user)) {
    throw new TypeError(`mintToken: user "${options.user}" is not a valid user id (${USER_ID_PATTERN})`);
  }
  const iat = options.now ?? Math.floor(Date.now() / 1000);
  const ttl = options.ttlSeconds ?? DEFAULT_TOKEN_TTL_S;
  const claims: TokenClaims = {
    sub: options.user,
    ...(options.admin ? { role: 'admin' as const } : {}),
    iat,
    ...(ttl > 0 ? { exp: iat + ttl } : {}),
  };
  // The signer keeps the payload's iat (a caller may give `now`) and exp.
  return createSigner({ key: options.secret, algorithm: 'HS256' })(claims);
}

/**
 * Verifies signature and the claim rules services apply (`claimProblem`); returns the claims or
 * undefined. For tools, not the request path.
 */
export function verifyToken(
  token: string,
  secret: string,
  nowSeconds = Date.now() / 1000,
  rules: TokenRules = {},
): TokenClaims | undefined {
  let claims: TokenClaims;
  try {
    // Signature and algorithm only: expiry and the rest are claimProblem's, with the caller's clock.
    claims = createVerifier({
      key: secret,
      algorithms: ['HS256'],
      ignoreExpiration: true,
      ignoreNotBefore: true,
    })(token) as TokenClaims;
  } catch {
    return undefined;
  }
  return claimProblem(claims, nowSeconds, { clockSkewSeconds: 0, ...rules }) ? undefined : claims;
}
