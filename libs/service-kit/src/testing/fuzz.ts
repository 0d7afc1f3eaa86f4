import type { FastifyInstance } from 'fastify';

/**
 * A bounded, seeded fuzz of every route of a Fastify app, read from its OpenAPI document
 * (@fastify/swagger): path parameters, query strings, bodies and tokens drawn from pools of
 * hostile values (wrong types, prototype keys, non-finite numbers, bad encodings, huge and empty
 * values, unknown fields, malformed JSON). The property: never a 5xx, and every 4xx carries the
 * uniform `{ error: string, message: string }` body. Runs on `app.inject` (no sockets).
 */
export interface FuzzOptions {
  /** Requests in total, spread over the routes; default 600. */
  readonly requests?: number;
  readonly seed?: number;
  /** Mints a valid token; most requests carry one (for the path's user id, or an admin). */
  readonly token?: (user: string, admin: boolean) => string;
  /** Routes to leave out (e.g. ones that write to a cluster you do not want flooded). */
  readonly skip?: (route: FuzzRoute) => boolean;
}

export interface FuzzRoute {
  readonly method: string;
  /** OpenAPI path, e.g. `/users/{id}/inbox`. */
  readonly path: string;
  readonly websocket: boolean;
}

export interface FuzzFailure {
  readonly method: string;
  readonly url: string;
  readonly payload: string | undefined;
  readonly status: number;
  readonly body: string;
  readonly why: string;
}

export interface FuzzReport {
  readonly routes: readonly FuzzRoute[];
  readonly requests: number;
  readonly byStatus: ReadonlyMap<number, number>;
  readonly failures: readonly FuzzFailure[];
}

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  maxLength?: number;
};
interface Parameter {
  readonly in: string;
  readonly name: string;
  readonly schema?: Schema;
}
interface Operation {
  readonly parameters?: Parameter[];
  readonly requestBody?: { content?: Record<string, { schema?: Schema }> };
  readonly description?: string;
}

/** mulberry32: small, fast, good enough to pick fuzz values reproducibly. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  return { next, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof rng>;

const IDS = [
  'u1',
  'u2',
  'alice',
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'a.b@c-d',
];
const HOSTILE_STRINGS = [
  '',
  ' ',
  'x'.repeat(300),
  'x'.repeat(5000),
  'alice\u200b',
  'ünï©ødé',
  '..',
  '%ff',
  '%00',
  'a/b',
  '<script>',
  "' OR 1=1 --",
  '\u0000',
  '😀',
];
const QUERY_VALUES = [
  '',
  '0',
  '-1',
  '1',
  '2',
  '5',
  '1.5',
  'Infinity',
  '-Infinity',
  'NaN',
  '1e400',
  'abc',
  '9'.repeat(30),
  'true',
  'null',
];
const WRONG_TYPES: unknown[] = [
  true,
  false,
  null,
  0,
  -1,
  1.5,
  42,
  1e308,
  '',
  'x'.repeat(3000),
  [],
  {},
  ['u2'],
  { a: 1 },
  '42',
  'true',
];

function valueFor(schema: Schema | undefined, r: Rng, depth = 0): unknown {
  if (r.chance(0.3) || !schema || depth > 3) {
    return r.chance(0.5) ? r.pick(WRONG_TYPES) : r.pick([...IDS, ...HOSTILE_STRINGS]);
  }
  if (schema.enum) return r.pick(schema.enum);
  if (schema.anyOf) return valueFor(r.pick(schema.anyOf), r, depth + 1);
  const type = Array.isArray(schema.type) ? r.pick(schema.type) : schema.type;
  switch (type) {
    case 'string':
      return r.pick([...IDS, ...HOSTILE_STRINGS, 'hello there, how are you?']);
    case 'integer':
    case 'number':
      return r.pick([0, 1, -1, 2, 5, 1000, 1.5, 2 ** 53, -(2 ** 53)]);
    case 'boolean':
      return r.chance(0.5);
    case 'array':
      return Array.from({ length: r.pick([0, 1, 2, 50]) }, () => valueFor(schema.items, r, depth + 1));
    case 'object':
      return objectFor(schema, r, depth + 1);
    default:
      return r.pick(WRONG_TYPES);
  }
}

function objectFor(schema: Schema, r: Rng, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const required = schema.required?.includes(name) ?? false;
    if (!required && r.chance(0.4)) continue;
    if (required && r.chance(0.05)) continue;
    out[name] = valueFor(prop, r, depth);
  }
  if (r.chance(0.1)) out[r.pick(['extra', '__proto__', 'constructor'])] = r.pick(WRONG_TYPES);
  return out;
}

/** A raw request body: mostly JSON of a schema-shaped object, sometimes not JSON at all. */
function bodyFor(schema: Schema | undefined, r: Rng): { payload: string; contentType: string } {
  const roll = r.next();
  if (roll < 0.05) return { payload: '{not json', contentType: 'application/json' };
  if (roll < 0.08) return { payload: 'to=u2&text=hi', contentType: 'application/x-www-form-urlencoded' };
  if (roll < 0.1) return { payload: 'plain text', contentType: 'text/plain' };
  if (roll < 0.15) return { payload: JSON.stringify(r.pick(WRONG_TYPES)), contentType: 'application/json' };
  if (roll < 0.17)
    return {
      payload: '{"__proto__":{"admin":true},"constructor":{"prototype":{}}}',
      contentType: 'application/json',
    };
  if (roll < 0.19)
    return { payload: JSON.stringify({ text: 'x'.repeat(100_000) }), contentType: 'application/json' };
  const body =
    schema?.type === 'object' || schema?.properties ? objectFor(schema, r, 0) : valueFor(schema, r);
  return { payload: JSON.stringify(body), contentType: 'application/json' };
}

const isUniform = (body: string): boolean => {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    return typeof parsed.error === 'string' && parsed.error !== '' && typeof parsed.message === 'string';
  } catch {
    return false;
  }
};

/** The routes of the app's OpenAPI document (call after `app.ready()` or `service.start()`). */
export function routesOf(app: FastifyInstance): { route: FuzzRoute; operation: Operation }[] {
  const doc = (
    app as unknown as { swagger(): { paths?: Record<string, Record<string, Operation>> } }
  ).swagger();
  const out: { route: FuzzRoute; operation: Operation }[] = [];
  for (const [path, methods] of Object.entries(doc.paths ?? {})) {
    for (const [method, operation] of Object.entries(methods)) {
      const websocket = /WebSocket/.test(operation.description ?? '');
      out.push({ route: { method: method.toUpperCase(), path, websocket }, operation });
    }
  }
  return out;
}

export async function fuzzRoutes(app: FastifyInstance, options: FuzzOptions = {}): Promise<FuzzReport> {
  const r = rng(options.seed ?? 1);
  const total = options.requests ?? 600;
  const routes = routesOf(app).filter(({ route }) => !options.skip?.(route));
  if (routes.length === 0)
    throw new Error(
      'fuzzRoutes: the OpenAPI document lists no routes (is @fastify/swagger registered and the app ready?)',
    );
  const byStatus = new Map<number, number>();
  const failures: FuzzFailure[] = [];
  for (let i = 0; i < total; i++) {
    const { route, operation } = routes[i % routes.length]!;
    const params = operation.parameters ?? [];
    let user = r.pick(IDS);
    const path = route.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
      const schema = params.find((p) => p.in === 'path' && p.name === name)?.schema;
      const value = r.chance(0.6) ? r.pick(IDS) : String(valueFor(schema, r));
      if (name === 'id' || name === 'user') user = value;
      // Mostly encoded; sometimes raw, so that bad percent-encodings reach the router.
      return r.chance(0.85) ? encodeURIComponent(value) : value.replace(/[/?#\s]/g, '');
    });
    const query = new URLSearchParams();
    for (const p of params.filter((p) => p.in === 'query')) {
      if (r.chance(0.5)) query.append(p.name, r.pick(QUERY_VALUES));
      if (r.chance(0.05)) query.append(p.name, r.pick(QUERY_VALUES)); // repeated
    }
    if (r.chance(0.05)) query.append('unknown', 'x');
    const qs = query.toString();
    const url = qs ? `${path}?${qs}` : path;
    const headers: Record<string, string> = {};
    const auth = r.next();
    if (options.token && auth < 0.8) {
      const admin = auth < 0.4;
      // Admin, the user the path names, or somebody else.
      const who = admin ? 'fuzz-admin' : auth < 0.7 ? user : 'fuzz-other';
      try {
        headers.authorization = `Bearer ${options.token(who, admin)}`;
      } catch {
        // user is not a valid id: no token
      }
    } else if (auth < 0.9) {
      headers.authorization = r.pick(['Bearer nonsense', 'Bearer a.b.c', 'Basic dTE6cA==', 'Bearer ']);
    }
    let payload: string | undefined;
    const json = operation.requestBody?.content?.['application/json'];
    if (json || (route.method !== 'GET' && r.chance(0.3))) {
      const body = bodyFor(json?.schema, r);
      payload = body.payload;
      headers['content-type'] = body.contentType;
    }
    const res = await app.inject({
      method: route.method as 'GET',
      url,
      headers,
      ...(payload !== undefined ? { payload } : {}),
    });
    byStatus.set(res.statusCode, (byStatus.get(res.statusCode) ?? 0) + 1);
    const why =
      res.statusCode >= 500
        ? 'server error'
        : res.statusCode >= 400 && !isUniform(res.body)
          ? 'error without { error, message }'
          : undefined;
    if (why)
      failures.push({
        method: route.method,
        url,
        payload: payload?.slice(0, 300),
        status: res.statusCode,
        body: res.body.slice(0, 300),
        why,
      });
  }
  return { routes: routes.map((x) => x.route), requests: total, byStatus, failures };
}

/** fuzzRoutes, then throws listing the first failures (for `await expect(...).resolves`). */
export async function assertFuzzClean(app: FastifyInstance, options: FuzzOptions = {}): Promise<FuzzReport> {
  const report = await fuzzRoutes(app, options);
  if (report.failures.length > 0) {
    const lines = report.failures
      .slice(0, 10)
      .map((f) => `${f.why}: ${f.method} ${f.url} ${f.payload ?? ''} -> ${f.status} ${f.body}`);
    throw new Error(
      `${report.failures.length} of ${report.requests} fuzz requests failed:\n${lines.join('\n')}`,
    );
  }
  return report;
}
