import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { rememberVerified, tokenOf } from '../auth.ts';
import { claimProblem, type TokenClaims } from '../token.ts';

export interface RateLimitConfig {
  /** Requests per window and key; 0 turns rate limiting off. */
  readonly max: number;
  readonly windowMs: number;
  /** Whether clients on the loopback interface are limited too (default: exempt). */
  readonly loopback: boolean;
}

const OPS = new Set(['/healthz', '/readyz', '/metrics']);
const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * `@fastify/rate-limit` on every route, WebSocket upgrades included (they are GET routes):
 * keyed by the verified token's user, by client IP without a valid token, so that a forged or
 * random token does not buy a fresh budget. Over the limit: 429 with `Retry-After` and the
 * uniform error body. Probes (/healthz, /readyz, /metrics) are never limited.
 *
 * Loopback clients are exempt by default: simulators, benchmarks and end-to-end tests drive a
 * service from 127.0.0.1 at thousands of requests per second; real clients arrive over a network
 * interface (in containers, the bridge) and are limited. RATE_LIMIT_LOOPBACK=true limits them too.
 */
export interface RateLimitOptions extends RateLimitConfig {
  /** Verifies a bearer token (the app's JWT verifier) to key the limit by its user. */
  readonly verify: (token: string) => TokenClaims;
}

/** A plugin that reaches every route (fastify-plugin): one root onRequest hook. */
export const rateLimit = fp<RateLimitOptions>(
  async (app, config) => {
    const verify = config.verify;
    if (config.max <= 0) return;
    const exempt = (request: FastifyRequest): boolean =>
      OPS.has(request.routeOptions.url ?? '') || (!config.loopback && LOOPBACK.test(request.ip));
    const keyOf = (request: FastifyRequest): string => {
      // The plugin asks for the key before it consults the allow list: do not verify a token (the
      // most expensive step of a small request) for a request that is not limited anyway.
      if (exempt(request)) return 'exempt';
      const token = tokenOf(request);
      if (token) {
        try {
          const claims = verify(token);
          if (!claimProblem(claims, Date.now() / 1000)) {
            // The route's auth hook takes these claims instead of verifying the token again.
            rememberVerified(request, token, claims);
            return `user:${claims.sub}`;
          }
        } catch {
          // an invalid token is limited by address
        }
      }
      return `ip:${request.ip}`;
    };
    await app.register(fastifyRateLimit, {
      // Not per route (the plugin would append its hook after the route's auth hook, so requests
      // failing auth would never count): one root onRequest hook, which runs before route hooks.
      global: false,
      max: config.max,
      timeWindow: config.windowMs,
      keyGenerator: keyOf,
      allowList: exempt,
      errorResponseBuilder: (_request, context) =>
        Object.assign(
          new Error(
            `too many requests: at most ${context.max} per ${config.windowMs / 1000} s; retry in ${context.after}`,
          ),
          {
            statusCode: context.statusCode,
          },
        ),
    });
    app.addHook('onRequest', app.rateLimit());
  },
  { name: 'service-kit-rate-limit' },
);
