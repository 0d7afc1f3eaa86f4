import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Service } from '@showcase/service-kit';

// Beside src/ and dist/ (not compiled): the same path from the sources (tsx) and the build (node).
const PUBLIC = resolve(import.meta.dirname, '..', 'public');

/** The page and its assets: a fixed list, so no request path ever reaches the file system. */
const FILES = new Map<string, { file: string; type: string }>([
  ['/', { file: 'index.html', type: 'text/html; charset=utf-8' }],
  ['/assets/console.js', { file: 'console.js', type: 'text/javascript; charset=utf-8' }],
  ...['topology', 'shared', 'groups', 'tables', 'dead-letters'].map(
    (name) => [`/assets/${name}.js`, { file: `${name}.js`, type: 'text/javascript; charset=utf-8' }] as const,
  ),
  ['/assets/console.css', { file: 'console.css', type: 'text/css; charset=utf-8' }],
]);

/**
 * The page itself is public (it holds no data and asks for an admin token); everything it
 * shows comes from the admin-only /api routes. No CDN: all it needs is served from here.
 */
export function registerStaticRoutes(service: Service): void {
  for (const [url, { file, type }] of FILES) {
    service.app.get(url, { schema: { hide: true } }, async (_request, reply) => {
      const body = await readFile(resolve(PUBLIC, file));
      return reply
        .type(type)
        .header('cache-control', 'no-cache')
        .header(
          'content-security-policy',
          "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'",
        )
        .send(body);
    });
  }
}
