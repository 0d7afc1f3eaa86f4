import { extname, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { RoutePlugin } from '@showcase/service-kit';
import type { ConsoleDeps } from './deps.ts';

// Beside src/ and dist/ (not compiled): the same path from the sources (tsx) and the build (node).
const PUBLIC = resolve(import.meta.dirname, '..', '..', 'public');

const CONTENT_SECURITY_POLICY =
  "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'";

// send's mime table still says application/javascript; browsers want text/javascript for modules.
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The page and its assets (public/, served by @fastify/static). `wildcard: false` registers one
 * route per file found at start-up, so no request path ever reaches the file system. The page
 * itself is public (it holds no data and asks for an admin token); everything it shows comes from
 * the admin-only /api routes. No CDN: all it needs is served from here.
 */
export const pageRoutes: RoutePlugin<ConsoleDeps> = async (app) => {
  await app.register(fastifyStatic, {
    root: PUBLIC,
    prefix: '/assets/',
    wildcard: false,
    index: false,
    // The console changes with the repository: revalidate every time (ETag / Last-Modified).
    cacheControl: false,
    setHeaders: (reply, path) => {
      reply.header('cache-control', 'no-cache');
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      const type = TYPES[extname(path)];
      if (type) reply.header('content-type', type);
    },
  });
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.sendFile('index.html'));
};
