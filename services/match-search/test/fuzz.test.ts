import { fuzzRoutes } from '@showcase/service-kit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { anyone, auth, startMatchSearch, token } from './support.ts';

type Running = Awaited<ReturnType<typeof startMatchSearch>>;
let running: Running | undefined;
afterEach(async () => {
  await running?.service.stop();
  running = undefined;
});

const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const ODD = ['\u202e\u0041dmin', 'e\u0301', '\ud800', '\uffff', '\u0000\u0001', 'ｆｕｌｌ', '🧟‍♀️'.repeat(50)];
const uniform = (body: string): boolean => {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    return typeof parsed.error === 'string' && parsed.error !== '' && typeof parsed.message === 'string';
  } catch {
    return false;
  }
};

/**
 * The platform fuzz (e2e/test/suites/fuzz-suite.ts) on this service alone, through `inject`:
 * the kit's generator with several seeds (the e2e run uses one), and the hostile shapes the e2e
 * suite adds, against an instance that holds searchable users (so nearby answers run the grid,
 * not only the 409 path). Never a 5xx, every 4xx `{ error, message }`.
 */
describe('match-search under fuzz', () => {
  it('the kit generator over every route, several seeds, with searchable users', async () => {
    running = await startMatchSearch();
    const { app } = running.service;
    // Searchable users under the ids the generator picks, so that nearby reaches the grid.
    for (const [i, user] of [
      'u1',
      'u2',
      'alice',
      'constructor',
      '__proto__',
      'toString',
      'a.b@c-d',
    ].entries()) {
      for (const [what, payload] of [
        ['profile', anyone],
        ['location', { lat: 52.5 + i * 0.001, lon: 13.4 }],
        ['presence', { online: true }],
      ] as const) {
        const res = await app.inject({
          method: 'PUT',
          url: `/users/${user}/${what}`,
          headers: auth(user),
          payload,
        });
        expect(res.statusCode, `${what} of ${user}`).toBe(202);
      }
    }
    await expect.poll(() => running!.directory.searchable, { timeout: 10_000 }).toBe(7);
    const failures: string[] = [];
    for (const seed of [1, 15, 99, 2024]) {
      const report = await fuzzRoutes(app, {
        requests: 300,
        seed,
        token: (user, admin) => token(user, admin),
        skip: (route) => route.websocket || route.path.startsWith('/ws/'),
      });
      for (const f of report.failures)
        failures.push(
          `seed ${seed} ${f.why}: ${f.method} ${f.url} ${f.payload ?? ''} -> ${f.status} ${f.body}`,
        );
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('the e2e suite’s hostile shapes on every route, over a socket (early 413s, resets)', async () => {
    running = await startMatchSearch({}, { listen: true });
    const { app } = running.service;
    const base = running.address;
    const doc = (
      app as unknown as { swagger(): { paths: Record<string, Record<string, unknown>> } }
    ).swagger();
    const encode = (id: string) => {
      try {
        return encodeURIComponent(id);
      } catch {
        return '%ED%A0%80';
      }
    };
    const failures: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (path.startsWith('/ws/')) continue;
      for (const method of Object.keys(methods).map((m) => m.toUpperCase())) {
        const fill = (id: string) => path.replace(/\{[^}]+\}/g, encode(id));
        const cases: { label: string; url: string; body?: string }[] = [
          { label: 'very long id', url: fill('u'.repeat(10_000)) },
          ...ODD.map((odd) => ({ label: `odd id ${JSON.stringify(odd)}`, url: fill(odd) })),
          { label: 'bad query', url: `${fill('u1')}?limit=1e999&k=%ZZ&radiusKm[]=1&cursor=%%%` },
          { label: 'repeated query', url: `${fill('u1')}?limit=1&limit=2&radiusKm=1&radiusKm=2` },
          { label: 'tiny radius', url: `${fill('u1')}?radiusKm=5e-324` },
          { label: 'huge limit', url: `${fill('u1')}?limit=9007199254740993` },
        ];
        if (method !== 'GET')
          cases.push(
            { label: 'nested body', url: fill('u1'), body: nested(5_000) },
            { label: 'nested array', url: fill('u1'), body: `${'['.repeat(100_000)}${']'.repeat(100_000)}` },
            { label: 'huge body', url: fill('u1'), body: JSON.stringify({ text: 'x'.repeat(3_000_000) }) },
            {
              label: 'odd unicode body',
              url: fill('u1'),
              body: JSON.stringify(Object.fromEntries(ODD.map((o, i) => [o, `${o}${i}`]))),
            },
            {
              label: 'lone surrogate',
              url: fill('u1'),
              body: '{"to":"\\ud800","type":"like","text":"\\udfff"}',
            },
          );
        for (const c of cases)
          for (const admin of [false, true]) {
            let status: number;
            let body: string;
            try {
              const res = await fetch(`${base}${c.url}`, {
                method,
                headers: {
                  authorization: `Bearer ${token(admin ? 'fuzz-admin' : 'u1', admin)}`,
                  ...(c.body !== undefined ? { 'content-type': 'application/json' } : {}),
                },
                ...(c.body !== undefined ? { body: c.body } : {}),
                signal: AbortSignal.timeout(10_000),
              });
              status = res.status;
              body = await res.text();
            } catch (error) {
              failures.push(`${method} ${path} (${c.label}): no answer (${(error as Error).message})`);
              continue;
            }
            if (status >= 500 || (status >= 400 && !uniform(body)))
              failures.push(`${method} ${path} (${c.label}): ${status} ${body.slice(0, 200)}`);
          }
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
