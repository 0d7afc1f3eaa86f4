import { request as httpRequest } from 'node:http';
import { fuzzRoutes } from '@showcase/service-kit/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient, UsedPlatform } from '../../src/index.ts';

/**
 * One bounded fuzz over every route of every service, as processes over real HTTP: the routes
 * come from each service's own OpenAPI document (/docs/json), so a new route is fuzzed without
 * touching this file. The kit's seeded generator (fuzzRoutes: wrong types, missing and unknown
 * fields, prototype keys, non-finite numbers, bad encodings, malformed JSON, bad tokens) is driven
 * through `fetch` instead of `app.inject`; on top of it, the hostile shapes it does not produce:
 * huge and deeply nested bodies, odd unicode, very long ids, bad query strings, and bad WebSocket
 * handshakes. The property: never a 5xx, every 4xx is `{ error, message }`, and afterwards the
 * process is alive with /healthz 200.
 *
 * Registered by platform.int.test.ts after its own tests, on the five services it started: one
 * startup of the platform for both (each start of five services costs about a minute of CI).
 */
const SERVICES = ['anti-spam', 'edge-set', 'match-search', 'recommender', 'segmentation'] as const;
const REQUESTS_PER_SERVICE = 250;

interface Finding {
  readonly service: string;
  readonly what: string;
}

type OpenApi = { paths?: Record<string, Record<string, { description?: string }>> };

/**
 * What fuzzRoutes needs of a Fastify app — its OpenAPI document and `inject` — served by a
 * running process over HTTP, so that the kit's generator drives the real server.
 */
function overHttp(api: ApiClient, doc: OpenApi): FastifyInstance {
  const remote = {
    swagger: () => doc,
    async inject(req: { method: string; url: string; headers: Record<string, string>; payload?: string }) {
      const res = await fetch(`${api.baseUrl}${req.url}`, {
        method: req.method,
        headers: req.headers,
        ...(req.payload !== undefined ? { body: req.payload } : {}),
        signal: AbortSignal.timeout(10_000),
      });
      return { statusCode: res.status, body: await res.text() };
    },
  };
  return remote as unknown as FastifyInstance;
}

const uniform = (body: string): boolean => {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    return typeof parsed.error === 'string' && parsed.error !== '' && typeof parsed.message === 'string';
  } catch {
    return false;
  }
};

/** A raw HTTP exchange (for handshakes `fetch` refuses to send): status and body, or 0 on a reset. */
function raw(
  url: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolveRaw) => {
    const req = httpRequest({ hostname, port, path, method: 'GET', headers, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolveRaw({ status: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolveRaw({ status: res.statusCode ?? 101, body: '' });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolveRaw({ status: 0, body: '' }));
    req.end();
  });
}

const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const LONG_ID = 'u'.repeat(10_000);
const ODD = ['\u202e\u0041dmin', 'e\u0301', '\ud800', '\uffff', '\u0000\u0001', 'ｆｕｌｌ', '🧟‍♀️'.repeat(50)];

/** The fuzz tests, on the platform `current()` returns (started by the calling file). */
export function fuzzSuite(current: () => UsedPlatform): void {
  const findings: Finding[] = [];
  afterAll(() => {
    if (findings.length > 0) {
      console.log(
        `[fuzz] ${findings.length} findings:\n${findings.map((f) => `${f.service}: ${f.what}`).join('\n')}`,
      );
    }
  });

  let platform: UsedPlatform;
  beforeAll(() => {
    platform = current();
  });

  describe('fuzz over every route of every service', () => {
    for (const service of SERVICES) {
      it(`${service}: never a 5xx, always { error, message }, still alive`, async () => {
        const api = platform.api(service);
        const docRes = await fetch(`${api.baseUrl}/docs/json`);
        expect(docRes.status).toBe(200);
        const doc = (await docRes.json()) as OpenApi;
        const paths = Object.keys(doc.paths ?? {});
        expect(paths.length).toBeGreaterThan(3);
        const isSocket = (path: string) => path.startsWith('/ws/');
        const note = (what: string) => findings.push({ service, what });

        // 1. The kit's seeded generator over every HTTP route of the OpenAPI document.
        const report = await fuzzRoutes(overHttp(api, doc), {
          requests: REQUESTS_PER_SERVICE,
          seed: 15,
          token: (user, admin) => api.token(user, admin),
          skip: (route) => route.websocket || isSocket(route.path),
        });
        for (const f of report.failures)
          note(`${f.why}: ${f.method} ${f.url} ${f.payload ?? ''} -> ${f.status} ${f.body}`);

        // 2. Shapes the generator does not make, on every route that takes a body or an id.
        const routes = Object.entries(doc.paths ?? {}).flatMap(([path, methods]) =>
          Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path })),
        );
        // A lone surrogate has no UTF-8 form: send the bytes of its CESU-8 encoding, invalid UTF-8.
        const encode = (id: string) => {
          try {
            return encodeURIComponent(id);
          } catch {
            return '%ED%A0%80';
          }
        };
        const fill = (path: string, id: string) => path.replace(/\{[^}]+\}/g, encode(id));
        for (const { method, path } of routes.filter((r) => !isSocket(r.path))) {
          const cases: { label: string; url: string; body?: string }[] = [
            { label: 'very long id', url: fill(path, LONG_ID) },
            ...ODD.map((odd) => ({ label: `odd unicode id ${JSON.stringify(odd)}`, url: fill(path, odd) })),
            {
              label: 'bad query string',
              url: `${fill(path, 'u1')}?limit=1e999&k=%ZZ&radiusKm[]=1&cursor=${'%'.repeat(3)}`,
            },
            {
              label: 'repeated query',
              url: `${fill(path, 'u1')}?limit=1&limit=2&direction=out&direction=in`,
            },
          ];
          if (method !== 'GET') {
            cases.push(
              { label: 'deeply nested body (5000)', url: fill(path, 'u1'), body: nested(5_000) },
              {
                label: 'deeply nested array (100000)',
                url: fill(path, 'u1'),
                body: `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
              },
              {
                label: 'huge body (3 MB)',
                url: fill(path, 'u1'),
                body: JSON.stringify({ text: 'x'.repeat(3_000_000) }),
              },
              {
                label: 'odd unicode body',
                url: fill(path, 'u1'),
                body: JSON.stringify(Object.fromEntries(ODD.map((o, i) => [o, `${o}${i}`]))),
              },
              {
                label: 'lone surrogate in JSON',
                url: fill(path, 'u1'),
                body: '{"to":"\\ud800","type":"like","text":"\\udfff"}',
              },
            );
          }
          for (const c of cases) {
            for (const as of ['u1', { admin: 'fuzz-admin' }] as const) {
              let status = 0;
              let body = '';
              try {
                const res = await fetch(`${api.baseUrl}${c.url}`, {
                  method,
                  headers: {
                    authorization: `Bearer ${typeof as === 'string' ? api.token(as) : api.token(as.admin, true)}`,
                    ...(c.body !== undefined ? { 'content-type': 'application/json' } : {}),
                  },
                  ...(c.body !== undefined ? { body: c.body } : {}),
                  signal: AbortSignal.timeout(10_000),
                });
                status = res.status;
                body = await res.text();
              } catch (error) {
                note(`${method} ${path} (${c.label}): no answer (${(error as Error).message})`);
                continue;
              }
              if (status >= 500) note(`${method} ${path} (${c.label}): ${status} ${body.slice(0, 200)}`);
              else if (status >= 400 && !uniform(body))
                note(
                  `${method} ${path} (${c.label}): ${status} without { error, message }: ${body.slice(0, 200)}`,
                );
            }
          }
        }

        // 3. Bad WebSocket handshakes on every socket route: never a 5xx, never an open socket.
        for (const path of paths.filter(isSocket)) {
          const base = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13' };
          const key = 'dGhlIHNhbXBsZSBub25jZQ==';
          const bad: { label: string; path: string; headers: Record<string, string> }[] = [
            { label: 'no token', path, headers: { ...base, 'sec-websocket-key': key } },
            {
              label: 'garbage token',
              path: `${path}?token=a.b.c`,
              headers: { ...base, 'sec-websocket-key': key },
            },
            {
              label: 'two tokens',
              path: `${path}?token=x&token=y`,
              headers: { ...base, 'sec-websocket-key': key },
            },
            {
              label: 'long token',
              path: `${path}?token=${'x'.repeat(6_000)}`,
              headers: { ...base, 'sec-websocket-key': key },
            },
            {
              label: 'valid token, no key',
              path: `${path}?token=${api.token('u1')}`,
              headers: { ...base },
            },
            {
              label: 'valid token, bad version',
              path: `${path}?token=${api.token('u1')}`,
              headers: { ...base, 'sec-websocket-version': '7', 'sec-websocket-key': key },
            },
            { label: 'plain GET', path: `${path}?token=${api.token('u1')}`, headers: {} },
          ];
          for (const b of bad) {
            const res = await raw(api.baseUrl, b.path, b.headers);
            if (res.status >= 500 || res.status === 101)
              note(`WS ${path} (${b.label}): ${res.status} ${res.body.slice(0, 200)}`);
            else if (res.status >= 400 && !uniform(res.body))
              note(
                `WS ${path} (${b.label}): ${res.status} without { error, message }: ${res.body.slice(0, 200)}`,
              );
          }
        }

        // 4. Still alive and healthy.
        const exited = platform.instances(service)[0]!.process.exited;
        const alive = await Promise.race([
          exited.then(() => false),
          new Promise<boolean>((r) => setTimeout(() => r(true), 100)),
        ]);
        expect(alive, `${service} process exited during the fuzz`).toBe(true);
        expect((await fetch(`${api.baseUrl}/healthz`)).status).toBe(200);
        const mine = findings.filter((f) => f.service === service).map((f) => f.what);
        expect(mine, `${service}: ${report.requests} generated requests + hostile shapes`).toEqual([]);
      }, 120_000);
    }
  });
}
