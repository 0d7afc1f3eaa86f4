import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { forbidden, unauthorized } from './http/errors.ts';
import { claimProblem, type TokenClaims, type TokenRules } from './token.ts';

/** Who is calling, from the verified token. */
export interface AuthUser {
  readonly id: string;
  readonly admin: boolean;
  /** The verified claims (for `exp`, `iat`). */
  readonly claims: TokenClaims;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: AuthUser;
  }
}

export interface Auth {
  /** Any valid token. */
  readonly user: onRequestAsyncHookHandler;
  /** A token with `role: "admin"`. */
  readonly admin: onRequestAsyncHookHandler;
  /** The user named by route parameter `param` (default `id`), or an admin. */
  selfOrAdmin(param?: string): onRequestAsyncHookHandler;
}

/**
 * Bearer tokens: `Authorization: Bearer <jwt>` on every route; WebSocket upgrades may instead
 * pass `?token=<jwt>` because browsers cannot set headers on a WebSocket. HS256 only. Beyond the
 * signature a token must name a valid user id (`sub`), carry an expiry no further than
 * `maxTtlSeconds` from its `iat`, and not be issued in the future (`claimProblem`).
 */
export async function installAuth(
  app: FastifyInstance,
  secret: string,
  rules: TokenRules = {},
): Promise<Auth> {
  await app.register(fastifyJwt, {
    secret,
    sign: { algorithm: 'HS256' },
    verify: {
      algorithms: ['HS256'],
      extractToken: (request: FastifyRequest) => tokenOf(request),
      // Verified tokens are remembered (fast-jwt's LRU; an entry never outlives the token's
      // `exp`): a client's next request skips the HMAC and the base64 and JSON decoding (≈ 3 % of
      // edge-set's CPU under load). fast-jwt's own cache key (a hash of the whole token) is kept:
      // a custom key builder makes it warn at start, as a collision would be an identity bypass.
      cache: VERIFIED_TOKENS,
    },
    formatUser: userOf,
  });

  const user: onRequestAsyncHookHandler = async (request) => {
    const token = tokenOf(request);
    if (!token) throw unauthorized('missing bearer token (Authorization: Bearer <jwt>)');
    const known = verified.get(request);
    if (known?.token === token) {
      request.user = userOf(known.claims);
    } else {
      try {
        await request.jwtVerify();
      } catch (error) {
        throw unauthorized(`invalid token: ${(error as Error).message}`);
      }
    }
    const problem = claimProblem(request.user.claims, Date.now() / 1000, rules);
    if (problem) throw unauthorized(`invalid token: ${problem}`);
  };
  const admin: onRequestAsyncHookHandler = async function (this: FastifyInstance, request, reply) {
    await user.call(this, request, reply);
    if (!request.user.admin) throw forbidden('admin role required');
  };
  const selfOrAdmin = (param = 'id'): onRequestAsyncHookHandler =>
    async function (this: FastifyInstance, request, reply) {
      await user.call(this, request, reply);
      const target = (request.params as Record<string, string | undefined>)[param];
      if (!request.user.admin && request.user.id !== target) {
        throw forbidden(`only ${target ?? 'that user'} or an admin may do this`);
      }
    };
  return { user, admin, selfOrAdmin };
}

/** Verified tokens a process remembers: the simulator's and the benches' users fit. */
const VERIFIED_TOKENS = 10_000;

const userOf = (claims: TokenClaims): AuthUser => ({
  id: claims.sub,
  admin: claims.role === 'admin',
  claims,
});

/** Tokens already verified for a request (by the rate limiter, with the same jwt verifier). */
const verified = new WeakMap<FastifyRequest, { readonly token: string; readonly claims: TokenClaims }>();

/**
 * Records that `token` was verified for `request` by `app.jwt.verify` (the signature and the
 * algorithm; the claim rules are checked again by the route's hook), so that the route's auth
 * hook does not verify it a second time.
 */
export function rememberVerified(request: FastifyRequest, token: string, claims: TokenClaims): void {
  verified.set(request, { token, claims });
}

/** Bearer header first; the `token` query parameter only for WebSocket upgrades. */
export function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1];
  }
  if (request.headers.upgrade?.toLowerCase() === 'websocket') {
    const token = (request.query as Record<string, unknown> | undefined)?.token;
    if (typeof token === 'string' && token !== '') return token;
  }
  return undefined;
}
